import { useEffect, useState } from 'react';
import type { PullStatus } from '../../shared/api';
import { useStores } from '../api/context';
import { formatBytes, formatCount, formatDuration } from '../lib/format';
import { useHub } from '../stores';
import { ErrorBox, Loading, ProgressBar } from './common';

const RUNNING = new Set<PullStatus['phase']>(['resolving', 'downloading']);

function PullRow({ p }: { p: PullStatus }) {
  const stores = useStores();
  const running = RUNNING.has(p.phase);
  return (
    <li className="card small" data-testid="pull" data-repo={p.repoId} data-phase={p.phase}>
      <div className="row wrap">
        <strong>{p.repoId}</strong>
        <span className="muted">{p.revision !== 'main' ? `@${p.revision}` : ''}</span>
        <span className="badge" data-testid="pull-phase">
          {p.phase === 'resolving' ? 'asking the Hub…' : p.phase}
        </span>
        {running && (
          <button type="button" className="secondary" onClick={() => void stores.hub.getState().cancel(p.pullId)} aria-label={`Cancel the download of ${p.repoId}`} data-testid="pull-cancel">
            Cancel
          </button>
        )}
      </div>
      {p.phase !== 'resolving' && p.bytesTotal > 0 && (
        <>
          <ProgressBar value={p.bytesDone} max={p.bytesTotal} label={`${p.repoId} download`} testId="pull-progress" />
          <div className="muted" data-testid="pull-numbers">
            {formatBytes(p.bytesDone)} of {formatBytes(p.bytesTotal)} · {p.filesDone}/{p.filesTotal} files
            {running && p.file ? ` · ${p.file}` : ''}
            {running && ` · ${formatBytes(p.bytesPerSecond)}/s · ${p.etaSeconds === undefined ? 'time left unknown' : `${formatDuration(p.etaSeconds)} left`}`}
          </div>
        </>
      )}
      {p.phase === 'cancelled' && <p className="muted">Stopped. Pull again to continue: finished files are kept and the partial file resumes.</p>}
      {p.phase === 'failed' && p.error && <ErrorBox error={p.error} title={`Could not download ${p.repoId}`} testId="pull-error" />}
      {p.phase === 'done' && p.model && (
        <p data-testid="pull-done">
          In the library as {p.model.name}: {p.model.supported ? 'ready' : `cannot be used: ${p.model.reason ?? ''}`}
        </p>
      )}
    </li>
  );
}

/** Download from the Hugging Face Hub: the catalogue, a repo id, and the pulls with progress and cancel. */
export function HubDownloads() {
  const stores = useStores();
  const catalogue = useHub((s) => s.catalogue);
  const pulls = useHub((s) => s.pulls);
  const startError = useHub((s) => s.startError);
  const token = useHub((s) => s.token);
  const [repoId, setRepoId] = useState('');
  const [revision, setRevision] = useState('');

  useEffect(() => {
    const hub = stores.hub.getState();
    if (hub.catalogue.status === 'idle') void hub.loadCatalogue();
    if (hub.token.status === 'idle') void hub.loadToken();
    void hub.loadPulls();
  }, [stores]);

  const busy = (id: string) => Object.values(pulls).some((p) => p.repoId === id && RUNNING.has(p.phase));
  const pull = (id: string, rev?: string) => void stores.hub.getState().pull(id, rev);

  return (
    <section className="card" aria-label="Download from the Hugging Face Hub" data-testid="hub-downloads">
      <h2>Download from the Hugging Face Hub</h2>
      <p className="muted small">
        Only on request. Downloads only config, tokenizer and safetensors files into the Hugging Face cache{token.data ? ` (${token.data.cacheDir})` : ''}, so Python tools share them; each file is checked
        against the Hub's SHA-256, and an interrupted download resumes.
        {token.data && token.data.endpoint !== 'https://huggingface.co' ? ` Mirror: ${token.data.endpoint}.` : ''}
      </p>
      {catalogue.status === 'loading' && <Loading label="Loading the catalogue…" />}
      {catalogue.error && <ErrorBox error={catalogue.error} title="Catalogue" />}
      {catalogue.data && (
        <table className="table" data-testid="catalogue">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Parameters</th>
              <th scope="col">Download</th>
              <th scope="col">Licence</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {catalogue.data.map((c) => (
              <tr key={c.repoId} data-testid="catalogue-row" data-repo={c.repoId}>
                <td>
                  {c.repoId}
                  {c.instruct && <span className="badge small">instruct</span>}
                  {c.gated && (
                    <div className="muted small" data-testid="catalogue-gated">
                      gated: accept the licence on the model page, and use a token (Settings)
                    </div>
                  )}
                </td>
                <td>{formatCount(c.parameters)}</td>
                <td>~{formatBytes(c.approxBytes)}</td>
                <td>{c.license}</td>
                <td>
                  {c.downloaded ? (
                    <span className="badge badge-ok">downloaded</span>
                  ) : (
                    <button type="button" onClick={() => pull(c.repoId)} disabled={busy(c.repoId)} aria-label={`Download ${c.repoId}`}>
                      Download
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          if (repoId.trim()) pull(repoId.trim(), revision.trim() || undefined);
        }}
      >
        <label className="grow inline-field">
          <span>Any repo id</span>
          <input type="text" value={repoId} placeholder="org/name, e.g. HuggingFaceTB/SmolLM2-135M" onChange={(e) => setRepoId(e.target.value)} data-testid="pull-repo-input" />
        </label>
        <label className="inline-field">
          <span>Revision</span>
          <input type="text" value={revision} placeholder="main" onChange={(e) => setRevision(e.target.value)} data-testid="pull-revision-input" />
        </label>
        <button type="submit" disabled={!repoId.trim() || busy(repoId.trim())} data-testid="pull-submit">
          Download
        </button>
      </form>
      {startError && <ErrorBox error={startError} title="Could not start the download" testId="pull-start-error" />}
      {Object.keys(pulls).length > 0 && (
        <ul className="plain" data-testid="pulls">
          {Object.values(pulls)
            .reverse()
            .map((p) => (
              <PullRow key={p.pullId} p={p} />
            ))}
        </ul>
      )}
    </section>
  );
}
