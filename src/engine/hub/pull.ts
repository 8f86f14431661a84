import { statfs } from 'node:fs/promises';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PullProgress } from '../../shared/api.js';
import { SpsError } from '../../shared/errors.js';
import { repoCacheDir } from './cache_dir.js';
import { blobEtag, downloadToCache } from './download_file.js';
import { checkRepoId, listRepoFiles, resolveRevision, type HubConnection, type RepoFile } from './hub_api.js';
import { neededFiles } from './needed_files.js';
import { etaSeconds, SpeedMeter } from './speed.js';

export type { PullProgress } from '../../shared/api.js';
export type PullPhase = PullProgress['phase'];

export interface PullOptions {
  repoId: string;
  /** Branch, tag or commit (default main). */
  revision?: string;
  /** The hub cache folder the snapshot lands in. */
  cacheDir: string;
  conn: HubConnection;
  onProgress?: (p: PullProgress) => void;
  /** Least time between two downloading-progress reports (default 250 ms). */
  progressIntervalMs?: number;
  /** Free bytes where the cache lives (injected in tests; default statfs). */
  freeBytes?: (dir: string) => Promise<number>;
}

export interface PullResult {
  repoId: string;
  sha: string;
  /** snapshots/<sha>: the model folder. */
  snapshotDir: string;
  files: string[];
  /** Bytes fetched over the network by this pull (0 when everything was there). */
  fetchedBytes: number;
}

/** Room kept free beyond the download itself. */
const DISK_MARGIN = 64 * 1024 * 1024;

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Free bytes on the filesystem of `dir` (or of its nearest existing parent). */
export async function freeDiskBytes(dir: string): Promise<number> {
  let d = dir;
  for (;;) {
    try {
      const s = await statfs(d);
      return Number(s.bavail) * Number(s.bsize);
    } catch (err) {
      const parent = dirname(d);
      if (parent === d) throw err;
      d = parent;
    }
  }
}

/** Bytes still to fetch for a file: all, minus a partial download, zero when its blob is there. */
async function missingBytes(repoDir: string, sha: string, f: RepoFile): Promise<number> {
  const total = f.lfs?.size ?? f.size;
  if ((await sizeOf(join(repoDir, 'snapshots', sha, f.path))) === total) return 0;
  const blob = join(repoDir, 'blobs', blobEtag(f));
  if ((await sizeOf(blob)) === total) return 0;
  const partial = (await sizeOf(`${blob}.incomplete`)) ?? 0;
  return partial <= total ? total - partial : total;
}

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * Downloads a model repo's needed files into the Hugging Face cache layout: resolves the
 * revision to a commit, lists the files with their hashes, checks free disk space, then
 * fetches each missing file (resumed, verified, renamed into place) and records the branch
 * in refs/. Cancelling (conn.signal) keeps finished files and partial ones for a later pull.
 */
export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const repoId = checkRepoId(opts.repoId);
  const revision = opts.revision ?? 'main';
  const interval = opts.progressIntervalMs ?? 250;
  const progress: PullProgress = { repoId, revision, phase: 'resolving', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0 };
  const report = () => opts.onProgress?.({ ...progress });
  report();

  const { sha } = await resolveRevision(opts.conn, repoId, revision);
  const files = neededFiles(repoId, await listRepoFiles(opts.conn, repoId, sha));
  const repoDir = repoCacheDir(opts.cacheDir, repoId);
  const sizes = files.map((f) => f.lfs?.size ?? f.size);
  const missing = await Promise.all(files.map((f) => missingBytes(repoDir, sha, f)));
  const toFetch = missing.reduce((a, b) => a + b, 0);
  const free = await (opts.freeBytes ?? freeDiskBytes)(opts.cacheDir);
  if (toFetch + DISK_MARGIN > free) {
    throw new SpsError('DISK_FULL', `${repoId} needs ${formatBytes(toFetch)} more but only ${formatBytes(free)} is free in ${opts.cacheDir}`, { location: { file: opts.cacheDir }, hint: 'free some disk space, or point HF_HUB_CACHE at a disk with room, and pull again' });
  }

  Object.assign(progress, { sha, phase: 'downloading', filesTotal: files.length, bytesTotal: sizes.reduce((a, b) => a + b, 0) });
  let finished = sizes.reduce((a, s, i) => a + (missing[i] === 0 ? s : 0), 0);
  progress.bytesDone = finished;
  const meter = new SpeedMeter();
  meter.update(progress.bytesDone);
  report();
  let lastReport = 0;
  let fetchedBytes = 0;
  for (const [i, f] of files.entries()) {
    const size = sizes[i] as number;
    if (missing[i] === 0) {
      // Present already (blob or snapshot link): make sure the snapshot links it.
      await downloadToCache(opts.conn, repoId, sha, repoDir, f, () => undefined);
      progress.filesDone++;
      continue;
    }
    progress.file = f.path;
    let startOfFile: number | undefined;
    const { fetched } = await downloadToCache(opts.conn, repoId, sha, repoDir, f, ({ done }) => {
      startOfFile ??= done;
      progress.bytesDone = finished + done;
      progress.bytesPerSecond = meter.update(progress.bytesDone);
      const eta = etaSeconds(progress.bytesTotal - progress.bytesDone, progress.bytesPerSecond);
      if (eta === undefined) delete progress.etaSeconds;
      else progress.etaSeconds = eta;
      const now = Date.now();
      if (now - lastReport >= interval) {
        lastReport = now;
        report();
      }
    });
    if (fetched) fetchedBytes += size - (startOfFile ?? 0);
    finished += size;
    progress.bytesDone = finished;
    progress.filesDone++;
  }
  if (revision !== sha) {
    // Like huggingface_hub: refs/<branch> holds the commit, so `from_pretrained(repo)` finds it offline.
    const ref = join(repoDir, 'refs', ...revision.split('/'));
    await mkdir(dirname(ref), { recursive: true });
    await writeFile(ref, sha);
  }
  delete progress.file;
  Object.assign(progress, { phase: 'done', bytesPerSecond: progress.bytesPerSecond, etaSeconds: 0 });
  report();
  return { repoId, sha, snapshotDir: join(repoDir, 'snapshots', sha), files: files.map((f) => f.path), fetchedBytes };
}
