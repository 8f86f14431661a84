import { useEffect, useState } from 'react';
import { useStores } from '../api/context';
import { useHub } from '../stores';
import { ErrorBox, Loading } from './common';

const SOURCE_TEXT = { env: 'from the HF_TOKEN environment variable', stored: 'stored on this computer, encrypted by the operating system', none: 'none' } as const;

/**
 * The Hugging Face token for gated models (Llama …). The desktop app keeps it encrypted with
 * the operating system's keychain (Electron safeStorage); web mode reads HF_TOKEN only, so a
 * token never travels from a browser to the server.
 */
export function HubTokenSettings() {
  const stores = useStores();
  const token = useHub((s) => s.token);
  const [value, setValue] = useState('');
  useEffect(() => {
    if (stores.hub.getState().token.status === 'idle') void stores.hub.getState().loadToken();
  }, [stores]);
  const status = token.data;
  return (
    <form
      className="card"
      data-testid="hub-token"
      onSubmit={(e) => {
        e.preventDefault();
        void stores.hub
          .getState()
          .setToken(value.trim())
          .then((ok) => ok && setValue(''));
      }}
    >
      <h2>Hugging Face token</h2>
      <p className="muted small">Needed only for gated models such as Llama 3.2: accept the licence on the model page first, then use a read token from huggingface.co/settings/tokens.</p>
      {token.status === 'loading' && !status && <Loading label="Checking the token…" />}
      {token.error && <ErrorBox error={token.error} title="Token" testId="hub-token-error" />}
      {status && (
        <>
          <p data-testid="hub-token-source">Token in use: {SOURCE_TEXT[status.source]}.</p>
          {status.canStore ? (
            <div className="row wrap">
              <label className="grow inline-field">
                <span>Token</span>
                <input type="password" autoComplete="off" value={value} placeholder="hf_…" onChange={(e) => setValue(e.target.value)} data-testid="hub-token-input" />
              </label>
              <button type="submit" disabled={!value.trim()} data-testid="hub-token-save">
                Save
              </button>
              {status.source === 'stored' && (
                <button type="button" className="secondary" onClick={() => void stores.hub.getState().clearToken()} data-testid="hub-token-clear">
                  Forget
                </button>
              )}
            </div>
          ) : (
            <p className="muted" data-testid="hub-token-web">
              Web mode does not store tokens: set <code>HF_TOKEN</code> in the environment of <code>sps serve</code> and restart it.
            </p>
          )}
          {status.source === 'env' && status.canStore && <p className="muted small">HF_TOKEN is set, so it is used instead of a stored token.</p>}
        </>
      )}
    </form>
  );
}
