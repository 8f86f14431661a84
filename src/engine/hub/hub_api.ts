import { HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { SpsError } from '../../shared/errors.js';
import { TransientError, isTransientStatus, withRetry, type RetryPolicy } from './retry.js';

/** Where and as whom the Hub is reached. */
export interface HubConnection {
  /** https://huggingface.co, or a mirror (HF_ENDPOINT). */
  endpoint: string;
  /** A user access token (hf_…) for gated and private repos. */
  token?: string;
  /** Injected in tests; default: the global fetch. */
  fetch?: typeof fetch;
  retry: RetryPolicy;
  signal?: AbortSignal;
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** The Hub endpoint: HF_ENDPOINT for mirrors, else huggingface.co (a trailing slash is dropped). */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

const REPO_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

/** A repo id as the Hub spells them: `org/name`. */
export function checkRepoId(repoId: string): string {
  const id = repoId.trim().replace(/^https?:\/\/[^/]+\//, '').replace(/\/+$/, '');
  if (!REPO_ID.test(id) || id.includes('..') || id.includes('--')) {
    throw new SpsError('INVALID_ARGUMENT', `"${repoId}" is not a model repo id`, { location: { field: 'repoId' }, hint: 'write it as on the model page, org/name, e.g. HuggingFaceTB/SmolLM2-135M' });
  }
  return id;
}

export function checkToken(token: string): string {
  const t = token.trim();
  if (!/^hf_[A-Za-z0-9]{8,}$/.test(t)) throw new SpsError('INVALID_ARGUMENT', 'a Hugging Face access token starts with "hf_" followed by letters and digits', { location: { field: 'token' }, hint: 'copy a read token from https://huggingface.co/settings/tokens' });
  return t;
}

/** 401/403 explained: what to do depends on whether a token was sent. */
export function accessDenied(repoId: string, status: number, endpoint: string, hadToken: boolean, detail?: string): SpsError {
  const page = `${endpoint}/${repoId}`;
  const hint = hadToken
    ? `accept the licence on the model page (${page}) with the account that owns this token and wait for access to be granted, then pull again; a token also needs read access`
    : `this repo is gated or private: accept the licence on the model page (${page}), then set HF_TOKEN to a read token from ${endpoint}/settings/tokens (or store one in Settings) and pull again`;
  return new SpsError('ACCESS_DENIED', `the Hub refused access to ${repoId} (HTTP ${status}${detail ? `: ${detail}` : ''})`, { location: { field: 'repoId' }, hint });
}

/** An HTTP failure from the Hub as the error a user sees, or a TransientError to retry. */
export function hubFailure(repoId: string, status: number, conn: HubConnection, what: string, detail?: string, retryAfter?: number): Error {
  if (status === 401 || status === 403) return accessDenied(repoId, status, conn.endpoint, conn.token !== undefined, detail);
  if (status === 404) return new SpsError('HUB_ERROR', `${what}: not found on ${conn.endpoint} (HTTP 404)`, { location: { field: 'repoId' }, hint: 'check the repo id and revision on the model page; a private repo also answers 404 without a token' });
  if (isTransientStatus(status)) return new TransientError(`HTTP ${status}`, retryAfter);
  return new SpsError('HUB_ERROR', `${what}: the Hub answered HTTP ${status}${detail ? ` (${detail})` : ''}`, { location: { field: 'repoId' } });
}

/** Maps what @huggingface/hub throws (HubApiError, network TypeError) to our errors. */
function mapError(err: unknown, repoId: string, conn: HubConnection, what: string): Error {
  if (err instanceof SpsError || err instanceof TransientError) return err;
  if (err instanceof HubApiError) return hubFailure(repoId, err.statusCode, conn, what, err.message.split('. URL:')[0]);
  if (conn.signal?.aborted) return err as Error;
  // fetch's network failures (refused, reset, DNS) surface as TypeError.
  return new TransientError((err as Error).message + ((err as Error).cause ? ` (${String((err as { cause?: unknown }).cause)})` : ''));
}

const creds = (conn: HubConnection) => ({ hubUrl: conn.endpoint, ...(conn.token ? { accessToken: conn.token } : {}), fetch: conn.fetch ?? fetch });

export interface RepoRevision {
  repoId: string;
  /** The commit the requested revision resolves to (40 hex). */
  sha: string;
  gated: false | 'auto' | 'manual';
}

/** Resolves a branch/tag/commit of a model repo to its commit (GET /api/models/{id}/revision/{rev}). */
export async function resolveRevision(conn: HubConnection, repoId: string, revision: string): Promise<RepoRevision> {
  const what = `model info of ${repoId}@${revision}`;
  return withRetry(what, conn.retry, async () => {
    try {
      const info = await modelInfo({ name: repoId, revision, additionalFields: ['sha'], ...creds(conn) });
      if (typeof info.sha !== 'string' || !/^[0-9a-f]{40}$/.test(info.sha)) throw new SpsError('HUB_ERROR', `${what}: the Hub answered without a commit hash`, { location: { field: 'revision' } });
      return { repoId, sha: info.sha, gated: info.gated ?? false };
    } catch (err) {
      throw mapError(err, repoId, conn, what);
    }
  }, { ...(conn.signal ? { signal: conn.signal } : {}) });
}

/** One file of a repo, as the tree API lists it. */
export interface RepoFile {
  path: string;
  size: number;
  /** Git blob sha1 of the file (for LFS files: of the pointer). */
  oid: string;
  /** LFS files: sha256 of the contents and their size. */
  lfs?: { oid: string; size: number };
}

/** Every file of a commit (GET /api/models/{id}/tree/{sha}?recursive=true, paginated). */
export async function listRepoFiles(conn: HubConnection, repoId: string, sha: string): Promise<RepoFile[]> {
  const what = `file list of ${repoId}@${sha.slice(0, 8)}`;
  return withRetry(what, conn.retry, async () => {
    try {
      const out: RepoFile[] = [];
      for await (const e of listFiles({ repo: { type: 'model', name: repoId }, revision: sha, recursive: true, ...creds(conn) })) {
        if (e.type !== 'file') continue;
        if (typeof e.oid !== 'string') throw new SpsError('HUB_ERROR', `${what}: "${e.path}" has no oid`, { location: { field: e.path } });
        out.push({ path: e.path, size: e.size, oid: e.oid, ...(e.lfs ? { lfs: { oid: e.lfs.oid, size: e.lfs.size } } : {}) });
      }
      return out;
    } catch (err) {
      throw mapError(err, repoId, conn, what);
    }
  }, { ...(conn.signal ? { signal: conn.signal } : {}) });
}
