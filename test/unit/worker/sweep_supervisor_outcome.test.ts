import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerLauncher, WorkerProcess } from '../../../src/worker/launcher.js';
import { startSweepWorker } from '../../../src/worker/sweep_supervisor.js';
import type { SweepEvent } from '../../../src/shared/sweep_state.js';

function fakeWorker() {
  let onMessage: (m: unknown) => void = () => undefined;
  let onOutput: (chunk: Buffer) => void = () => undefined;
  let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
  const child: WorkerProcess = {
    pid: process.pid,
    send: () => undefined,
    onMessage: (h) => (onMessage = h),
    onOutput: (h) => (onOutput = h),
    onExit: (h) => (onExit = h),
    kill: () => undefined,
  };
  const launcher: WorkerLauncher = () => child;
  return { launcher, emit: (event: SweepEvent) => onMessage({ type: 'event', event }), output: (s: string) => onOutput(Buffer.from(s)), exit: (code: number) => onExit(code, null) };
}

describe('sweep supervisor', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps 'sweep-finished' as the outcome when events follow it, and survives a log it cannot write", async () => {
    const sweepDir = (dir = mkdtempSync(join(tmpdir(), 'sps-sweep-sup-')));
    mkdirSync(join(sweepDir, 'sweep.log')); // a folder in the way of the log
    const w = fakeWorker();
    const handle = startSweepWorker(sweepDir, { launcher: w.launcher, onEvent: () => undefined });
    expect(() => w.output('a line for the log\n')).not.toThrow();
    w.emit({ type: 'sweep-finished', status: 'completed', reason: 'all trials done', stepsUsed: 10, elapsedSeconds: 1, recommendation: null });
    w.emit({ type: 'trial-event', trial: 't1', event: { type: 'tokenizing', file: 'x.jsonl', done: 1, total: 2, tokensPerSecond: 1, etaSeconds: -1 } });
    w.exit(0);
    const exit = await handle.done;
    expect(exit.last?.type).toBe('sweep-finished');
  });
});
