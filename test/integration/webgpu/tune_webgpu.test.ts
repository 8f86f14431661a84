import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetrics, runPaths } from '../../../src/engine/tuning/run_dir.js';
import type { ProviderName } from '../../../src/engine/runtime/session.js';
import { allFinite, createTestRun, flagsToArgv, parseJsonLines, sentimentFlags, sps, startWorker, stateOf, workerLog, writeSentimentSubset } from '../tuning/tuning_helpers.js';
import { loadCheckpointDir } from '../../../src/engine/tuning/checkpoint.js';
import { webgpuTestDevice } from '../../helpers/webgpu.js';

/**
 * A short tuning run on WebGPU through the CLI and its worker: it completes and writes its
 * checkpoints; a run killed after a checkpoint resumes from it with `sps resume` and completes.
 * Small on purpose (lavapipe is ~40x slower than the CPU provider).
 */
let device: ProviderName;
let root: string;
let data: string;
beforeAll(async () => {
  device = await webgpuTestDevice();
  root = mkdtempSync(join(tmpdir(), 'sps-webgpu-tune-'));
  data = writeSentimentSubset(join(root, 'data.csv'), 20);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const flags = () => sentimentFlags({ data, 'val-fraction': '0.2', steps: '6', 'checkpoint-every': '2', 'eval-every': '6', device });

describe('sps tune on WebGPU', () => {
  it('completes, evaluates and checkpoints', async () => {
    const out = join(root, 'run');
    const r = await sps('tune', ...flagsToArgv({ ...flags(), out, json: true }));
    expect(r.code, `${r.stderr}\n${workerLog(out)}`).toBe(0);
    const events = parseJsonLines(r.stdout);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ device: expect.stringContaining('webgpu') });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: 6 });
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => e.step)).toEqual([2, 4, 6]);
    expect(readdirSync(runPaths(out).checkpoints)).toContain('step-6');
    const evals = readMetrics(out).filter((m) => m.kind === 'evaluation');
    expect(evals.map((e) => e.step)).toEqual([6]);
    expect(Number.isFinite(evals[0]!.val_loss)).toBe(true);
    expect(allFinite(loadCheckpointDir(runPaths(out).final).prompt.data)).toBe(true);
  }, 240_000);

  it('killed after its step-2 checkpoint, resumes from it and completes', async () => {
    const dir = join(root, 'killed');
    createTestRun(dir, flags());
    let killed = false;
    // Held inside the step-4 checkpoint so the kill lands before it, whatever the speed.
    const w = startWorker(dir, {
      hooks: { holdAtCheckpoint: { step: 4, stage: 'prompt.safetensors', ms: 120_000 } },
      onEvent: (e, h) => {
        if (!killed && e.type === 'checkpoint' && e.step === 2) {
          killed = true;
          h.kill('SIGKILL');
        }
      },
    });
    const exit = await w.done;
    expect(killed, workerLog(dir)).toBe(true);
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(join(runPaths(dir).checkpoints, 'step-2'))).toBe(true);

    const r = await sps('resume', dir, '--json');
    expect(r.code, `${r.stderr}\n${workerLog(dir)}`).toBe(0);
    const events = parseJsonLines(r.stdout);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ resumed: true, step: 2 });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: 6 });
    expect(stateOf(dir).status).toBe('completed');
    const steps = readMetrics(dir).filter((m) => m.kind === 'train').map((m) => m.step);
    expect(steps.filter((s) => (s as number) > 2)).toEqual([3, 4, 5, 6]);
  }, 240_000);
});
