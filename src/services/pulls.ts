import { randomBytes } from 'node:crypto';
import type { PullStatus } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { checkRepoId, hubEndpoint } from '../engine/hub/hub_api.js';
import { pullModel } from '../engine/hub/pull.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../engine/hub/retry.js';
import type { Emit } from './context.js';
import type { ModelLibrary } from './model_library.js';
import { serializeError } from './dispatch.js';

export interface PullManagerOptions {
  library: ModelLibrary;
  emit: Emit;
  /** The token for this pull (read when it starts: a token set meanwhile is used by the next one). */
  token: () => string | undefined;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  retry?: RetryPolicy;
}

/**
 * Downloads from the Hub, one per repo at a time, reported as models.pull events. Network
 * reads stream and hashing is incremental, so the serving process's event loop stays free.
 */
export class PullManager {
  private readonly pulls = new Map<string, { status: PullStatus; ctl: AbortController; done: Promise<void> }>();

  constructor(private readonly opts: PullManagerOptions) {}

  start(repoIdRaw: string, revisionRaw?: string): { pullId: string } {
    const repoId = checkRepoId(repoIdRaw);
    const revision = revisionRaw?.trim() || 'main';
    if (!/^[\w.\-/]+$/.test(revision) || revision.split('/').includes('..')) throw new SpsError('INVALID_ARGUMENT', `"${revision}" is not a branch, tag or commit`, { location: { field: 'revision' } });
    for (const [pullId, p] of this.pulls) if (p.status.repoId === repoId && (p.status.phase === 'resolving' || p.status.phase === 'downloading')) return { pullId };
    const pullId = randomBytes(8).toString('hex');
    const ctl = new AbortController();
    const status: PullStatus = { pullId, repoId, revision, phase: 'resolving', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0 };
    const emit = () => this.opts.emit('models.pull', { ...status });
    const token = this.opts.token();
    const done = pullModel({
      repoId,
      revision,
      cacheDir: this.opts.library.downloadDir,
      conn: { endpoint: hubEndpoint(this.opts.env), ...(token ? { token } : {}), retry: this.opts.retry ?? DEFAULT_RETRY, signal: ctl.signal, ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}) },
      onProgress: (p) => {
        Object.assign(status, p, { pullId });
        if (p.phase !== 'done') emit();
      },
    }).then(
      (res) => {
        const snap = this.opts.library.snapshots().find((s) => s.dir === res.snapshotDir);
        Object.assign(status, { phase: 'done', ...(snap ? { model: this.opts.library.describeSnapshot(snap, this.opts.library.snapshots()) } : {}) });
        emit();
      },
      (err: unknown) => {
        const e = serializeError(err);
        Object.assign(status, { phase: e.code === 'CANCELLED' ? 'cancelled' : 'failed', error: e });
        delete status.etaSeconds;
        emit();
      },
    );
    this.pulls.set(pullId, { status, ctl, done });
    return { pullId };
  }

  cancel(pullId: string): { ok: boolean } {
    const p = this.pulls.get(pullId);
    if (!p || (p.status.phase !== 'resolving' && p.status.phase !== 'downloading')) return { ok: false };
    p.ctl.abort(new Error('cancelled'));
    return { ok: true };
  }

  list(): PullStatus[] {
    return [...this.pulls.values()].map((p) => ({ ...p.status }));
  }

  /** Resolves when the pull has finished, failed or been cancelled (tests, shutdown). */
  async settled(pullId: string): Promise<PullStatus | undefined> {
    const p = this.pulls.get(pullId);
    if (!p) return undefined;
    await p.done;
    return { ...p.status };
  }

  /** Cancels every running pull (partial files stay for the next time) and waits for them. */
  async shutdown(): Promise<void> {
    for (const p of this.pulls.values()) p.ctl.abort(new Error('shutting down'));
    await Promise.all([...this.pulls.values()].map((p) => p.done));
  }
}
