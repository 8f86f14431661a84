import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, RUN_LOCK_FILE } from '../../../src/worker/run_lock.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { makeServices } from '../../unit/services/service_helpers.js';
import { createTestRun, sentimentFlags, startWorker, stateOf, waitFor, workerLog } from './tuning_helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'cli', 'sps.ts');

/** `sps ARGS` as a separate process (the CLI from its sources under tsx). */
function spsProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A pid that is not running: a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid!;
}

describe('run folder lock', () => {
  const tmp = useTempDir('sps-lock-');

  it('is taken exclusively: a second holder is refused with the holder named; release frees it', () => {
    const lock = acquireRunLock(tmp(), 'sps serve');
    lock.setWorkerPid(4242);
    const info = JSON.parse(readFileSync(join(tmp(), RUN_LOCK_FILE), 'utf8'));
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), command: 'sps serve', workerPid: 4242 });
    let err: unknown;
    try {
      acquireRunLock(tmp(), 'sps resume');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'RUN_LOCKED', message: expect.stringContaining(`sps serve (pid ${process.pid}, worker pid 4242) on ${hostname()}`) });
    lock.release();
    expect(existsSync(join(tmp(), RUN_LOCK_FILE))).toBe(false);
    acquireRunLock(tmp(), 'sps resume').release();
  });

  it('a stale lock (its processes gone, or a torn write) is replaced; one from another host is not', () => {
    const path = join(tmp(), RUN_LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), command: 'sps tune', since: '2020-01-01T00:00:00Z' }));
    const lock = acquireRunLock(tmp(), 'sps resume');
    expect(JSON.parse(readFileSync(path, 'utf8')).command).toBe('sps resume');
    lock.release();

    writeFileSync(path, '{"pid": 12');
    acquireRunLock(tmp(), 'sps resume').release();

    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: 'another-machine', command: 'sps serve', since: '2020-01-01T00:00:00Z' }));
    expect(() => acquireRunLock(tmp(), 'sps resume')).toThrow(/sps serve .* on another-machine/);
    try {
      acquireRunLock(tmp(), 'sps resume');
    } catch (e) {
      expect((e as { hint?: string }).hint).toContain(path);
    }
  });

  it('a second process cannot resume a running run: `sps resume` and a second server refuse, naming the holder', async () => {
    const dir = join(tmp(), 'run');
    createTestRun(dir, sentimentFlags({ steps: '3000', 'checkpoint-every': '5', 'eval-every': '1000' }));
    const w = startWorker(dir);
    try {
      await waitFor(() => w.events.some((e) => e.type === 'progress' && e.step >= 6), 'training past a checkpoint');
      expect(stateOf(dir).status).toBe('running');

      const r = await spsProcess('resume', dir, '--json');
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/RUN_LOCKED/);
      expect(r.stderr).toContain(`pid ${process.pid}`);
      expect(r.stderr).toContain(`worker pid ${w.handle.pid}`);

      // A second server (or the desktop app) over the same runs folder: resume is refused, the run is left alone.
      const second = makeServices(join(tmp(), 'data2'), { runsDir: tmp() });
      try {
        await expect(second.services.handlers['jobs.resume']({ id: 'run' })).rejects.toMatchObject({ code: 'RUN_LOCKED' });
      } finally {
        await second.services.shutdown();
      }
      expect(stateOf(dir).status).toBe('running');
      expect(stateOf(dir).pid).toBe(w.handle.pid);
    } finally {
      w.handle.command({ type: 'cancel' });
      await w.done;
    }
    expect(stateOf(dir).status, workerLog(dir)).toBe('cancelled');
    // Released at the end: resuming now works.
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
  });
});
