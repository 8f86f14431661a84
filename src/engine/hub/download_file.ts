import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, symlink, truncate } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { cancelledError, TransientError, retryAfterMs, withRetry } from './retry.js';
import { hubFailure, type HubConnection, type RepoFile } from './hub_api.js';

/**
 * One file of a repo into the Hugging Face cache layout, the way huggingface_hub does it so
 * Python tools share the result: bytes go to blobs/<etag>.incomplete (resumed with an HTTP
 * Range request after an interruption, even by another process), are checked against the
 * Hub's hash, renamed to blobs/<etag>, and linked from snapshots/<commit>/<path>.
 * The etag of an LFS file is the sha256 of its contents; of a small (git) file, its git
 * blob sha1 — both are checked here, as the bytes arrive (no second read of big files).
 */

export interface FileProgress {
  /** Bytes of this file on disk so far (a resumed partial counts from the start). */
  done: number;
  total: number;
}

export function blobEtag(file: RepoFile): string {
  return file.lfs?.oid ?? file.oid;
}

function expectedSize(file: RepoFile): number {
  return file.lfs?.size ?? file.size;
}

/** The hash the Hub's etag is: sha256 of the contents (LFS), or git's sha1 of "blob <size>\0" + contents. */
function newHasher(file: RepoFile): Hash {
  if (file.lfs) return createHash('sha256');
  return createHash('sha1').update(`blob ${file.size}\0`);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Feeds the first `length` bytes already on disk into the hash (streamed, never all in memory). */
async function hashPrefix(hash: Hash, path: string, length: number): Promise<void> {
  if (length === 0) return;
  for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

export function resolveUrl(endpoint: string, repoId: string, sha: string, path: string): string {
  return `${endpoint}/${repoId}/resolve/${sha}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A relative symlink snapshots/<sha>/<path> → ../../blobs/<etag> (a copy where symlinks are not allowed). */
async function linkIntoSnapshot(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  await rm(pointerPath, { force: true });
  try {
    await symlink(relative(dirname(pointerPath), blobPath), pointerPath);
  } catch {
    await copyFile(blobPath, pointerPath);
  }
}

/** One attempt: continue the partial file from its current length, hashing as bytes arrive. */
async function fetchRest(conn: HubConnection, url: string, repoId: string, file: RepoFile, incomplete: string, onProgress: (p: FileProgress) => void): Promise<void> {
  const total = expectedSize(file);
  let start = (await sizeOf(incomplete)) ?? 0;
  if (start > total) {
    await truncate(incomplete, 0);
    start = 0;
  }
  const hash = newHasher(file);
  await hashPrefix(hash, incomplete, start);
  onProgress({ done: start, total });
  if (start < total) {
    let res: Response;
    try {
      res = await (conn.fetch ?? fetch)(url, {
        headers: { 'Accept-Encoding': 'identity', ...(start > 0 ? { Range: `bytes=${start}-` } : {}), ...(conn.token ? { Authorization: `Bearer ${conn.token}` } : {}) },
        redirect: 'follow',
        ...(conn.signal ? { signal: conn.signal } : {}),
      });
    } catch (err) {
      if (conn.signal?.aborted) throw cancelledError(`the download of ${file.path}`);
      throw new TransientError(`${file.path}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw hubFailure(repoId, res.status, conn, `${file.path} of ${repoId}`, undefined, retryAfterMs(res.headers.get('retry-after')));
    }
    if (start > 0 && res.status === 200) {
      // The server ignored the Range: start over (the hash too).
      await truncate(incomplete, 0);
      return fetchRest(conn, url, repoId, file, incomplete, onProgress);
    }
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== start) {
        await res.body?.cancel().catch(() => undefined);
        throw new TransientError(`${file.path}: the server answered range "${res.headers.get('content-range')}" to a request from byte ${start}`);
      }
    }
    const fh = await open(incomplete, 'a');
    let done = start;
    try {
      if (!res.body) throw new TransientError(`${file.path}: empty response`);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        // Written first, hashed after: after a failure, the file holds exactly what was hashed or more.
        await fh.write(chunk);
        hash.update(chunk);
        done += chunk.byteLength;
        onProgress({ done, total });
      }
      await fh.sync();
    } catch (err) {
      if (conn.signal?.aborted) throw cancelledError(`the download of ${file.path}`);
      if (err instanceof SpsError || err instanceof TransientError) throw err;
      throw new TransientError(`${file.path}: connection lost after ${done} of ${total} bytes (${(err as Error).message})`);
    } finally {
      await fh.close();
    }
    if (done < total) throw new TransientError(`${file.path}: connection closed after ${done} of ${total} bytes`);
  }
  const size = (await sizeOf(incomplete)) ?? 0;
  const digest = hash.digest('hex');
  const etag = blobEtag(file);
  if (size !== total || digest !== etag) {
    await rm(incomplete, { force: true });
    throw new SpsError('CHECKSUM_MISMATCH', `${file.path} of ${repoId} is damaged: ${size !== total ? `${size} bytes, expected ${total}` : `${file.lfs ? 'SHA-256' : 'git SHA-1'} ${digest}, the Hub says ${etag}`}; the file was deleted`, {
      location: { file: incomplete, field: file.path },
      hint: 'pull again; if it happens again, the mirror (HF_ENDPOINT) or a proxy is altering the file',
    });
  }
}

/**
 * Makes snapshots/<sha>/<file.path> present and verified in the repo's cache folder,
 * downloading only what is missing. Returns whether bytes were fetched.
 */
export async function downloadToCache(conn: HubConnection, repoId: string, sha: string, repoDir: string, file: RepoFile, onProgress: (p: FileProgress) => void): Promise<{ path: string; fetched: boolean }> {
  const total = expectedSize(file);
  const blobPath = join(repoDir, 'blobs', blobEtag(file));
  const pointerPath = join(repoDir, 'snapshots', sha, ...file.path.split('/'));
  if ((await sizeOf(pointerPath)) === total) {
    onProgress({ done: total, total });
    return { path: pointerPath, fetched: false };
  }
  await mkdir(dirname(blobPath), { recursive: true });
  let fetched = false;
  if ((await sizeOf(blobPath)) !== total) {
    const incomplete = `${blobPath}.incomplete`;
    const url = resolveUrl(conn.endpoint, repoId, sha, file.path);
    await withRetry(`the download of ${file.path}`, conn.retry, () => fetchRest(conn, url, repoId, file, incomplete, onProgress), { ...(conn.signal ? { signal: conn.signal } : {}) });
    await rename(incomplete, blobPath);
    fetched = true;
  } else onProgress({ done: total, total });
  await linkIntoSnapshot(blobPath, pointerPath);
  return { path: pointerPath, fetched };
}
