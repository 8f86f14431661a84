import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  copyCheckpointTo,
  listCheckpointSteps,
  loadCheckpointDir,
  pruneCheckpoints,
  readLatestCheckpoint,
  writeCheckpoint,
  type CheckpointPayload,
} from '../../../../src/engine/tuning/checkpoint.js';
import { runPaths } from '../../../../src/engine/tuning/run_dir.js';
import { softPrompt } from '../../../../src/engine/tuning/soft_prompt.js';
import { expectSpsError } from '../../../helpers/errors.js';
import { useTempDir } from '../../../helpers/fixtures.js';

/** Values that a lossy (F32, JSON, text) path would change: -0, denormals, extremes, ulps. */
const SPECIAL = [-0, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 0.1 + 0.2, -1e-310, 1 / 3, 123456789.123456789];

function payload(step: number): CheckpointPayload {
  const n = 2;
  const d = 4;
  const prompt = Float64Array.from(SPECIAL, (x) => (x === 0 ? x : x * (1 + step * 2 ** -50)));
  return {
    prompt: softPrompt(n, d, prompt),
    optimizer: { step, m: Float64Array.from(SPECIAL, (x) => -x), v: Float64Array.from(SPECIAL, (x) => Math.abs(x) + step) },
    trainerState: { dataPosition: step * 8, epoch: 1, rng: [1, 2, 3, 4294967295], bestMetric: 0.75, skipped: 0 },
  };
}

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
const stepDir = (run: string, s: number): string => join(runPaths(run).checkpoints, `step-${s}`);

describe('checkpoints', () => {
  const tmp = useTempDir();

  it('round-trips bit-exactly (incl. -0, denormals, huge values) with the on-disk layout', () => {
    const run = tmp();
    const p = payload(10);
    const dir = writeCheckpoint(run, 10, p);
    expect(dir).toBe(stepDir(run, 10));
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'optimizer.safetensors', 'prompt.safetensors', 'state.json']);
    const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { step: number; files: { name: string; bytes: number; sha256: string }[] };
    expect(man.step).toBe(10);
    expect(man.files.map((f) => f.name)).toEqual(['prompt.safetensors', 'optimizer.safetensors', 'state.json']);
    for (const f of man.files) expect(f.bytes).toBe(statSync(join(dir, f.name)).size);
    const { checkpoint, skipped } = readLatestCheckpoint(run);
    expect(skipped).toEqual([]);
    expect(checkpoint).toBeDefined();
    const c = checkpoint!;
    expect(c.step).toBe(10);
    expect([c.prompt.numVirtualTokens, c.prompt.dim]).toEqual([2, 4]);
    expect(bits(c.prompt.data)).toBe(bits(p.prompt.data));
    expect(Object.is(c.prompt.data[0], -0)).toBe(true);
    expect(bits(c.optimizer.m)).toBe(bits(p.optimizer.m));
    expect(bits(c.optimizer.v)).toBe(bits(p.optimizer.v));
    expect(c.optimizer.step).toBe(10);
    expect(c.trainerState).toEqual(p.trainerState);
  });

  it('returns the newest valid one, and nothing (not an error) for a run without checkpoints', () => {
    const run = tmp();
    expect(readLatestCheckpoint(run)).toEqual({ checkpoint: undefined, skipped: [] });
    for (const s of [5, 20, 15]) writeCheckpoint(run, s, payload(s));
    expect(listCheckpointSteps(run)).toEqual([20, 15, 5]);
    expect(readLatestCheckpoint(run).checkpoint?.step).toBe(20);
  });

  const damages: [string, (dir: string) => void, RegExp][] = [
    ['a truncated file', (dir) => truncateSync(join(dir, 'optimizer.safetensors'), 40), /optimizer\.safetensors has 40 bytes/],
    [
      'a flipped byte',
      (dir) => {
        const f = join(dir, 'prompt.safetensors');
        const b = readFileSync(f);
        b[b.length - 3]! ^= 0x01;
        writeFileSync(f, b);
      },
      /prompt\.safetensors does not match its SHA-256/,
    ],
    ['a missing manifest', (dir) => rmSync(join(dir, 'manifest.json')), /no manifest\.json/],
    ['a missing file', (dir) => rmSync(join(dir, 'state.json')), /state\.json is missing/],
    ['a manifest for another step', (dir) => writeFileSync(join(dir, 'manifest.json'), readFileSync(join(dir, 'manifest.json'), 'utf8').replace('"step": 20', '"step": 21')), /step 21/],
  ];
  for (const [what, damage, reason] of damages) {
    it(`skips a checkpoint with ${what} and returns the previous valid one`, () => {
      const run = tmp();
      writeCheckpoint(run, 10, payload(10));
      writeCheckpoint(run, 20, payload(20));
      damage(stepDir(run, 20));
      const { checkpoint, skipped } = readLatestCheckpoint(run);
      expect(checkpoint?.step).toBe(10);
      expect(bits(checkpoint!.prompt.data)).toBe(bits(payload(10).prompt.data));
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.dir).toBe(stepDir(run, 20));
      expect(skipped[0]!.reason).toMatch(reason);
      expectSpsError(() => loadCheckpointDir(stepDir(run, 20)), 'INVALID_DATA', 'step-20');
    });
  }

  for (const stage of ['prompt.safetensors', 'optimizer.safetensors', 'state.json', 'manifest.json']) {
    it(`a crash after writing ${stage} leaves only a .tmp dir: the previous checkpoint is returned`, () => {
      const run = tmp();
      writeCheckpoint(run, 10, payload(10));
      expect(() =>
        writeCheckpoint(run, 20, payload(20), {
          onStage: (s) => {
            if (s === stage) throw new Error('simulated crash');
          },
        }),
      ).toThrow('simulated crash');
      expect(existsSync(stepDir(run, 20))).toBe(false);
      const { checkpoint, skipped } = readLatestCheckpoint(run);
      expect(checkpoint?.step).toBe(10);
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.dir).toMatch(/\.tmp-step-20-[0-9a-f]+$/);
      expect(skipped[0]!.reason).toMatch(/interrupted/);
    });
  }

  it('replaces an existing step-N; a crash mid-swap still leaves the older checkpoints', () => {
    const run = tmp();
    writeCheckpoint(run, 10, payload(10));
    writeCheckpoint(run, 20, payload(20));
    const p = payload(20);
    p.trainerState = { ...p.trainerState, replaced: true };
    writeCheckpoint(run, 20, p);
    expect(readLatestCheckpoint(run).checkpoint?.trainerState.replaced).toBe(true);
    expect(readdirSync(runPaths(run).checkpoints).sort()).toEqual(['step-10', 'step-20']);

    expect(() =>
      writeCheckpoint(run, 20, payload(20), {
        onStage: (s) => {
          if (s === 'swap') throw new Error('crash between renames');
        },
      }),
    ).toThrow();
    const { checkpoint, skipped } = readLatestCheckpoint(run);
    expect(checkpoint?.step).toBe(10);
    expect(skipped.map((s) => s.dir.replace(/-[0-9a-f]+$/, '')).sort()).toEqual([join(runPaths(run).checkpoints, '.old-step-20'), join(runPaths(run).checkpoints, '.tmp-step-20')]);
  });

  it('prunes to the newest keepLast verified checkpoints and removes leftovers, never the last good one', () => {
    const run = tmp();
    for (const s of [1, 2, 3, 4, 5]) writeCheckpoint(run, s, payload(s));
    mkdirSync(join(runPaths(run).checkpoints, '.tmp-step-6-abc'));
    rmSync(join(stepDir(run, 5), 'manifest.json')); // newest is corrupt: must not count as kept
    const removed = pruneCheckpoints(run, 2);
    expect(removed.map((r) => r.split(/[\\/]/).pop()).sort()).toEqual(['.tmp-step-6-abc', 'step-1', 'step-2']);
    expect(listCheckpointSteps(run)).toEqual([5, 4, 3]);
    expect(readLatestCheckpoint(run).checkpoint?.step).toBe(4);
    expectSpsError(() => pruneCheckpoints(run, 0), 'INVALID_CONFIG', 'keep_checkpoints');
  });

  it('copies a checkpoint to best/ and final/ crash-safely, replacing an older copy', () => {
    const run = tmp();
    writeCheckpoint(run, 10, payload(10));
    writeCheckpoint(run, 20, payload(20));
    expect(copyCheckpointTo(run, 10, 'best')).toBe(runPaths(run).best);
    expect(loadCheckpointDir(runPaths(run).best).step).toBe(10);
    copyCheckpointTo(run, 20, 'best');
    const best = loadCheckpointDir(runPaths(run).best);
    expect(best.step).toBe(20);
    expect(bits(best.prompt.data)).toBe(bits(payload(20).prompt.data));
    copyCheckpointTo(run, 20, 'final');
    expect(loadCheckpointDir(runPaths(run).final).step).toBe(20);
    expect(readdirSync(run).sort()).toEqual(['best', 'checkpoints', 'final']);

    // A crash mid-copy leaves the previous best/ intact.
    expect(() =>
      copyCheckpointTo(run, 10, 'best', {
        onStage: (s) => {
          if (s === 'state.json') throw new Error('crash');
        },
      }),
    ).toThrow('crash');
    expect(loadCheckpointDir(runPaths(run).best).step).toBe(20);
    // …and the next copy cleans that leftover up.
    copyCheckpointTo(run, 10, 'best');
    expect(readdirSync(run).sort()).toEqual(['best', 'checkpoints', 'final']);
    expect(loadCheckpointDir(runPaths(run).best).step).toBe(10);
  });

  it('refuses to copy a damaged or missing checkpoint', () => {
    const run = tmp();
    writeCheckpoint(run, 10, payload(10));
    truncateSync(join(stepDir(run, 10), 'state.json'), 3);
    expectSpsError(() => copyCheckpointTo(run, 10, 'best'), 'INVALID_DATA', 'step 10', 'state.json');
    expectSpsError(() => copyCheckpointTo(run, 99, 'final'), 'INVALID_DATA', 'no manifest');
    expect(existsSync(runPaths(run).best)).toBe(false);
  });
});
