import { useEffect, useState } from 'react';
import type { Res, TokenCacheStatus } from '../../shared/api';
import type { SerializedError } from '../../shared/training_events';
import { useApi } from '../api/context';
import { toSerialized } from '../lib/errors';
import { formatBytes } from '../lib/format';
import { ErrorBox, Loading } from './common';

/**
 * Settings → Token cache: where tokenized datasets are kept (reused by validation, runs,
 * resume and sweeps), its size against its limit, and clearing it. The folder and limit come
 * from SPS_TOKEN_CACHE / SPS_TOKEN_CACHE_MAX_GB of the app's environment.
 */
export function TokenCacheSettings() {
  const api = useApi();
  const [status, setStatus] = useState<TokenCacheStatus | undefined>();
  const [error, setError] = useState<SerializedError | undefined>();
  const [busy, setBusy] = useState(false);
  const [cleared, setCleared] = useState<Res<'system.clearTokenCache'> | undefined>();
  useEffect(() => {
    let live = true;
    api.call('system.tokenCache', {}).then(
      (s) => live && setStatus(s),
      (e: unknown) => live && setError(toSerialized(e)),
    );
    return () => {
      live = false;
    };
  }, [api]);
  const clear = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.call('system.clearTokenCache', {});
      setCleared(r);
      setStatus(r);
    } catch (e) {
      setError(toSerialized(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="token-cache">
      <h2>Token cache</h2>
      <p className="muted small">Datasets are tokenized once and kept here, so validating, training again, resuming and sweeps on the same data start at once.</p>
      {!status && !error && <Loading label="Reading the token cache…" />}
      {error && <ErrorBox error={error} title="Token cache" testId="token-cache-error" />}
      {status && (
        <>
          <dl className="kv">
            <dt>Folder</dt>
            <dd>
              <code data-testid="token-cache-dir">{status.dir}</code>
              {status.dirSource === 'env' && <span className="muted small"> (from SPS_TOKEN_CACHE)</span>}
            </dd>
            <dt>Size</dt>
            <dd data-testid="token-cache-size">
              {formatBytes(status.bytes)} in {status.entries} {status.entries === 1 ? 'dataset' : 'datasets'}, at most {formatBytes(status.maxBytes)} (oldest removed first; SPS_TOKEN_CACHE_MAX_GB)
            </dd>
          </dl>
          <button type="button" className="secondary" disabled={busy || status.entries === 0} onClick={() => void clear()} data-testid="token-cache-clear">
            {busy ? 'Clearing…' : 'Clear token cache'}
          </button>
          {cleared && (
            <p className="muted small" data-testid="token-cache-cleared">
              Removed {cleared.removed} ({formatBytes(cleared.freedBytes)}){cleared.kept > 0 ? `; ${cleared.kept} in use by a running job kept` : ''}.
            </p>
          )}
        </>
      )}
    </section>
  );
}
