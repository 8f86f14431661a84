import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SpsError } from '../shared/errors.js';

/** The lock file in a run folder while a worker trains it. */
export const RUN_LOCK_FILE = 'run.lock';

export interface RunLockInfo {
  /** The process that started the worker (sps serve, the desktop app, sps tune / resume). */
  pid: number;
  host: string;
  /** What that process is, for the message a second one shows. */
  command: string;
  /** The training worker's pid, once started. */
  workerPid?: number;
  since: string;
}

export interface RunLock {
  readonly path: string;
  setWorkerPid(pid: number | undefined): void;
  /** Removes the lock (only our own: a lock another process took over is left alone). */
  release(): void;
}

export function pidAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): RunLockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunLockInfo>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as RunLockInfo) : undefined;
  } catch {
    return undefined;
  }
}

/** A lock whose processes are gone: left by a crash or a kill on this machine. */
function isStale(info: RunLockInfo | undefined): boolean {
  // An unreadable lock is a torn write by a process that died while taking it.
  if (!info) return true;
  // On another machine (a shared folder) we cannot tell: only its owner or the user can remove it.
  if (info.host !== hostname()) return false;
  return !pidAlive(info.pid) && !pidAlive(info.workerPid);
}

function writeExclusive(path: string, info: RunLockInfo): void {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes a run folder's lock before a worker trains it: a file created exclusively (O_EXCL) with
 * the pid and host of the process that drives the worker. A second process — another
 * `sps serve`, the desktop app, `sps resume` — is refused with a message naming the holder.
 * A stale lock (its processes are gone, same host) is replaced.
 */
export function acquireRunLock(runDir: string, command: string): RunLock {
  const path = join(runDir, RUN_LOCK_FILE);
  let info: RunLockInfo = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeExclusive(path, info);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SpsError('FILE_UNREADABLE', `cannot lock the run folder: ${(err as Error).message}`, { location: { file: path }, hint: 'check that the run folder is writable', cause: err });
      const holder = readLock(path);
      if (attempt === 0 && isStale(holder)) {
        try {
          unlinkSync(path);
        } catch {
          // Someone else removed it first; the next attempt decides.
        }
        continue;
      }
      const who = holder ? `${holder.command} (pid ${holder.pid}${holder.workerPid ? `, worker pid ${holder.workerPid}` : ''}) on ${holder.host} since ${holder.since}` : 'another process';
      throw new SpsError('RUN_LOCKED', `the run is being trained by ${who}`, {
        location: { file: path },
        hint: holder && holder.host !== hostname() ? `stop it there; if that process is gone, delete ${path}` : 'wait for it to finish or stop it there (pause/cancel in that app, Ctrl-C for sps)',
      });
    }
  }
  let released = false;
  return {
    path,
    setWorkerPid: (pid) => {
      if (pid === undefined || released) return;
      info = { ...info, workerPid: pid };
      // Replaced atomically (rename): the lock file never goes missing while we hold it.
      const tmp = `${path}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, JSON.stringify(info) + '\n');
        renameSync(tmp, path);
      } catch {
        // The lock still names this process, which is enough to refuse a second one.
      }
    },
    release: () => {
      if (released) return;
      released = true;
      const current = readLock(path);
      if (current && (current.pid !== info.pid || current.host !== info.host || current.since !== info.since)) return;
      try {
        unlinkSync(path);
      } catch {
        // Already gone (the folder was deleted).
      }
    },
  };
}
