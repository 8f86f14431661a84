import { describe, expect, it } from 'vitest';
import { DynamicLossScaler, LOSS_SCALE_DEFAULTS } from '../../../src/engine/tuning/loss_scaling.js';
import { resolvePrecision, validateJob } from '../../../src/shared/job.js';

describe('dynamic loss scaling', () => {
  it('backs off on overflow, grows after N clean steps, stays within its bounds', () => {
    const s = new DynamicLossScaler(undefined, { ...LOSS_SCALE_DEFAULTS, initialScale: 1024, growthInterval: 3, maxScale: 4096, minScale: 256 });
    expect(s.scale).toBe(1024);
    expect(s.update(false)).toEqual({ kind: 'overflow', from: 1024, to: 512, atFloor: false });
    expect(s.update(true)).toEqual({ kind: 'clean', scale: 512, grew: false });
    expect(s.update(true).kind).toBe('clean');
    expect(s.update(true)).toEqual({ kind: 'clean', scale: 1024, grew: true });
    // an overflow resets the clean count
    s.update(true);
    s.update(true);
    s.update(false);
    expect(s.state()).toEqual({ scale: 512, cleanSteps: 0 });
    for (let i = 0; i < 9; i++) s.update(true);
    expect(s.scale).toBe(4096);
    for (let i = 0; i < 3; i++) s.update(true);
    expect(s.scale).toBe(4096); // ceiling
    for (let i = 0; i < 4; i++) s.update(false);
    expect(s.scale).toBe(256);
    // at the floor, a non-finite gradient is a real failure, not an overflow
    expect(s.update(false)).toMatchObject({ kind: 'overflow', atFloor: true });
  });

  it('resumes from a checkpointed state', () => {
    const s = new DynamicLossScaler({ scale: 2048, cleanSteps: 199 });
    expect(s.update(true)).toEqual({ kind: 'clean', scale: 4096, grew: true });
  });
});

describe('precision setting', () => {
  it("'auto' is fp16 only on a real GPU device that runs half precision", () => {
    expect(resolvePrecision('auto', 'webgpu', true)).toBe('fp16');
    expect(resolvePrecision(undefined, 'cuda', true)).toBe('fp16');
    expect(resolvePrecision('auto', 'webgpu', false)).toBe('fp32');
    expect(resolvePrecision('auto', 'webgpu-software', true)).toBe('fp32');
    expect(resolvePrecision('auto', 'cpu', true)).toBe('fp32');
    expect(resolvePrecision('fp16', 'webgpu-software', false)).toBe('fp16');
    expect(resolvePrecision('fp32', 'cuda', true)).toBe('fp32');
  });

  it('the job validator names a bad or impossible precision', () => {
    const job = { version: 1, model: { path: 'm' }, data: { train: 't.csv', validationFraction: 0.1 }, task: { kind: 'lm', textColumn: 'text' }, prompt: { numVirtualTokens: 4, init: 'random' }, training: { learningRate: 0.1, steps: 1, batchSize: 1, gradAccum: 1, warmupRatio: 0, schedule: 'constant', weightDecay: 0, maxGradNorm: 1, maxLength: 16, evalEvery: 1, checkpointEvery: 1, patience: 0, seed: 1, maxConsecutiveSkips: 3, appendEos: false, evalBatchSize: 1 }, device: 'webgpu' };
    expect(validateJob({ ...job, precision: 'fp16' })).toEqual([]);
    expect(validateJob({ ...job, precision: 'half' }).map((e) => e.field)).toEqual(['job.precision']);
    expect(validateJob({ ...job, device: 'cpu', precision: 'fp16' })).toEqual([{ field: 'job.precision', message: expect.stringMatching(/fp16 runs on a GPU device/) }]);
  });
});
