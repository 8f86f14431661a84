import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerLauncher, WorkerProcess } from '../../../src/worker/launcher.js';
import { startTrainingWorker } from '../../../src/worker/supervisor.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';

/** A worker stand-in: the test says what it sends and when it exits. */
function fakeWorker() {
  let onMessage: (m: unknown) => void = () => undefined;
  let onExit: (code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;
  const child: WorkerProcess = {
    pid: process.pid,
    send: () => undefined,
    onMessage: (h) => (onMessage = h),
    onOutput: () => undefined,
    onExit: (h) => (onExit = h),
    kill: () => undefined,
  };
  const launcher: WorkerLauncher = () => child;
  return { launcher, emit: (event: TrainingEvent) => onMessage({ type: 'event', event }), exit: (code: number) => onExit(code, null) };
}

describe('training supervisor: the outcome of a run', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is the finished event even when a progress event follows it (background tokenizing stopped at the end)', async () => {
    const run = (dir = mkdtempSync(join(tmpdir(), 'sps-sup-')));
    const w = fakeWorker();
    const seen: string[] = [];
    const handle = startTrainingWorker(run, { resume: false, launcher: w.launcher, onEvent: (e) => seen.push(e.type) });
    w.emit({ type: 'finished', status: 'completed', step: 3, reason: 'reached the last step', best: null });
    w.emit({ type: 'tokenizing', file: 'corpus.jsonl', done: 10, total: 40000, tokensPerSecond: 1, etaSeconds: -1 });
    w.exit(0);
    const exit = await handle.done;
    expect(exit.last?.type).toBe('finished');
    expect(seen).toEqual(['finished', 'tokenizing']);
    expect(() => readFileSync(join(run, 'state.json'), 'utf8')).toThrow(); // not marked failed
  });

  it('a worker that exits without an outcome is still a failed run', async () => {
    const run = (dir = mkdtempSync(join(tmpdir(), 'sps-sup-')));
    const w = fakeWorker();
    const handle = startTrainingWorker(run, { resume: false, launcher: w.launcher, onEvent: () => undefined });
    w.emit({ type: 'tokenizing', file: 'corpus.jsonl', done: 10, total: 40000, tokensPerSecond: 1, etaSeconds: -1 });
    w.exit(0);
    const exit = await handle.done;
    expect(exit.last?.type).toBe('failed');
    expect(JSON.parse(readFileSync(join(run, 'state.json'), 'utf8')).status).toBe('failed');
  });
});
