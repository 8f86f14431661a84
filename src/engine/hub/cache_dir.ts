import { existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';

/**
 * The Hugging Face cache layout, shared with Python tools (huggingface_hub, transformers):
 *   <cache>/models--<org>--<name>/blobs/<etag>            file contents, named by git/LFS oid
 *   <cache>/models--<org>--<name>/snapshots/<commit>/<f>  symlinks into ../../blobs
 *   <cache>/models--<org>--<name>/refs/<branch>           the commit a branch pointed to
 */

/** The hub cache folder as huggingface_hub resolves it: HF_HUB_CACHE, then HF_HOME/hub, then ~/.cache/huggingface/hub. */
export function hfHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return resolve(env.HUGGINGFACE_HUB_CACHE);
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return resolve(home, 'hub');
}

/** `models--org--name` for `org/name`. */
export function repoFolderName(repoId: string): string {
  return ['models', ...repoId.split('/')].join('--');
}

export function repoCacheDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, repoFolderName(repoId));
}

export interface CachedSnapshot {
  repoId: string;
  /** The commit hash (the snapshot folder's name). */
  revision: string;
  /** Branches or tags whose refs/ file points at this commit. */
  refs: string[];
  /** The snapshot folder: a model folder whose files are symlinks into blobs/. */
  dir: string;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every model snapshot in a hub cache folder (datasets and spaces are skipped). Only folder
 * names and refs are read; a missing cache folder lists nothing. @huggingface/hub's
 * scanCacheDir also stats every blob and gives up on a whole repo over one stray ref, which
 * is more than a listing needs and less forgiving than a user's cache deserves.
 */
export function listCachedSnapshots(cacheDir: string): CachedSnapshot[] {
  const out: CachedSnapshot[] = [];
  for (const folder of listDir(cacheDir).sort()) {
    if (!folder.startsWith('models--')) continue;
    const repoId = folder.slice('models--'.length).split('--').join('/');
    const repoDir = join(cacheDir, folder);
    const refsByCommit = new Map<string, string[]>();
    for (const ref of listDir(join(repoDir, 'refs'))) {
      try {
        const commit = readFileSync(join(repoDir, 'refs', ref), 'utf8').trim();
        refsByCommit.set(commit, [...(refsByCommit.get(commit) ?? []), ref]);
      } catch {
        // a ref that is a folder (refs/pr/…) or unreadable: not needed for listing
      }
    }
    for (const revision of listDir(join(repoDir, 'snapshots')).sort()) {
      const dir = join(repoDir, 'snapshots', revision);
      if (!isDir(dir)) continue;
      out.push({ repoId, revision, refs: refsByCommit.get(revision) ?? [], dir });
    }
  }
  return out;
}

/** The commit a branch (or tag) of a cached repo points at, if the cache knows it. */
export function cachedRef(cacheDir: string, repoId: string, ref: string): string | undefined {
  const file = join(repoCacheDir(cacheDir, repoId), 'refs', ref);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim() || undefined;
}

function realFiles(dir: string, out: Set<string>): void {
  for (const name of listDir(dir)) {
    const p = join(dir, name);
    if (isDir(p)) realFiles(p, out);
    else {
      try {
        out.add(realpathSync(p));
      } catch {
        // dangling link: nothing to keep
      }
    }
  }
}

/**
 * Deletes one snapshot of a cached repo as `huggingface-cli delete-cache` would: the snapshot
 * folder, the blobs no other snapshot links to, and the refs pointing at it; the whole repo
 * folder when it was the last snapshot.
 */
export function deleteCachedSnapshot(cacheDir: string, repoId: string, revision: string): void {
  const repoDir = repoCacheDir(cacheDir, repoId);
  const snapDir = join(repoDir, 'snapshots', revision);
  const mine = new Set<string>();
  realFiles(snapDir, mine);
  const kept = new Set<string>();
  for (const other of listDir(join(repoDir, 'snapshots'))) if (other !== revision) realFiles(join(repoDir, 'snapshots', other), kept);
  rmSync(snapDir, { recursive: true, force: true });
  const blobs = join(repoDir, 'blobs');
  const blobsDir = existsSync(blobs) ? realpathSync(blobs) + sep : undefined;
  // Only blobs of this repo are deleted, never a file a link points to elsewhere.
  if (blobsDir) for (const f of mine) if (!kept.has(f) && f.startsWith(blobsDir)) rmSync(f, { force: true });
  for (const ref of listDir(join(repoDir, 'refs'))) {
    try {
      if (readFileSync(join(repoDir, 'refs', ref), 'utf8').trim() === revision) rmSync(join(repoDir, 'refs', ref), { force: true });
    } catch {
      // folders under refs/ (pull requests) are left alone
    }
  }
  if (listDir(join(repoDir, 'snapshots')).length === 0) rmSync(repoDir, { recursive: true, force: true });
}
