import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Small durable-write helpers shared by run_dir.ts and checkpoint.ts. "Durable" means the
 * bytes (fsync of the file) and the directory entry (fsync of the parent) survive a power
 * loss; rename is then the atomic commit point (POSIX rename within one filesystem).
 */

/** Writes `data` to a NEW file ('wx': never follows or clobbers an existing one), fsyncs, closes. */
export function writeFileDurable(path: string, data: Uint8Array | string): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'wx');
  try {
    writeAll(fd, buf);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** writeSync may write less than asked; loop until everything is out. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * fsync a directory so a create/rename inside it is on disk. Windows cannot open a
 * directory for fsync (EPERM/EISDIR); NTFS journals metadata itself, so it is skipped there.
 */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (process.platform === 'win32') return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (process.platform !== 'win32' && code !== 'EINVAL') throw err; // EINVAL: filesystem without dir fsync
  } finally {
    closeSync(fd);
  }
}

/** A short random name component so concurrent or leftover temp names never collide. */
export function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Replaces a JSON file atomically: readers see the old or the new content, never half of it
 * (a temp file beside it, fsync, rename over, fsync the folder). state.json, settings.json,
 * models.json and the sweep files all go through here.
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${randomSuffix()}`;
  try {
    writeFileDurable(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
}
