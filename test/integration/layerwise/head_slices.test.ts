import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HeadChunks, headSliceRows } from '../../../src/engine/layerwise/head_chunks.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { WeightFeeder } from '../../../src/engine/runtime/weight_feeder.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
import { TINY_ARCHS, writeTinyModel } from '../../fixtures/tiny/tiny_models.js';
import { relDiff } from '../../helpers/golden.js';

/**
 * The LM head read in vocabulary slices (online log-sum-exp across slices, rows in chunks)
 * against the head in one slice, which the whole-step tests (train_step_exact,
 * inference_exact) check against the whole-model graphs and transformers. Slices of 7 rows
 * over the tiny vocabulary of 96 make 14 slices, the last one shorter; chunks of 4 rows split
 * the 11 label rows unevenly. Float64: ≤ 1e-12 relative.
 */
const root = mkdtempSync(join(tmpdir(), 'sps-head-slices-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(TINY_ARCHS.map((v) => [v]))('%s: LM head in vocabulary slices', (variant) => {
  const dir = join(root, variant);
  writeTinyModel(variant, dir);
  const model = loadModel(dir);
  const { vocabSize: V, hiddenSize: d } = model.spec;
  const rand = mulberry32(99);
  const N = 16;
  const states = Float64Array.from({ length: N * d }, () => 4 * (rand() - 0.5));
  const rows = [0, 3, 4, 7, 9, 2, 15, 11, 12, 5, 8];
  // Labels at both ends of the vocabulary and inside the short last slice.
  const labels = [0, V - 1, 5, 6, 7, 93, 50, 51, 13, 14, 70].map((x) => BigInt(x % V));

  it('gives the one-slice loss, gradient, log-probabilities and logits', async () => {
    expect(headSliceRows(V, d, 'float64')).toBe(V);
    const s1 = new WeightFeeder();
    const s2 = new WeightFeeder();
    const whole = await HeadChunks.create(model, s1, { dtype: 'float64', grad: true });
    const sliced = await HeadChunks.create(model, s2, { dtype: 'float64', grad: true, headSliceRows: 7, headChunkRows: 4 });
    const a = await whole.lossAndGrad(states, rows, labels, 0.25);
    const b = await sliced.lossAndGrad(states, rows, labels, 0.25);
    expect(Math.abs(b.lossSum - a.lossSum) / Math.abs(a.lossSum)).toBeLessThanOrEqual(1e-12);
    expect(relDiff(b.grad, a.grad)).toBeLessThanOrEqual(1e-12);
    // Rows outside `rows` get no gradient.
    for (const r of [1, 6, 10, 13, 14]) expect(b.grad.subarray(r * d, (r + 1) * d).every((x) => x === 0)).toBe(true);

    const la = await whole.logprobs(states, rows, labels);
    const lb = await sliced.logprobs(states, rows, labels);
    expect(relDiff(lb, la)).toBeLessThanOrEqual(1e-12);
    // The summed -log p is the loss.
    expect(Math.abs(-lb.reduce((x, y) => x + y, 0) - a.lossSum) / a.lossSum).toBeLessThanOrEqual(1e-12);

    const za = await whole.logits(states, rows);
    const zb = await sliced.logits(states, rows);
    expect(zb.length).toBe(rows.length * V);
    expect(relDiff(zb, za)).toBeLessThanOrEqual(1e-12);
    // log-softmax of the logits at the labels: the log-probabilities.
    rows.forEach((_, k) => {
      const z = za.subarray(k * V, (k + 1) * V);
      const m = Math.max(...z);
      let sum = 0;
      for (const x of z) sum += Math.exp(x - m);
      const lse = m + Math.log(sum);
      expect(Math.abs(z[Number(labels[k]!)]! - lse - la[k]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(la[k]!)));
    });
    // No label rows (a batch without labels): nothing to run, a zero gradient.
    const none = await sliced.lossAndGrad(states, [], [], 1);
    expect(none.lossSum).toBe(0);
    expect(none.grad.every((x) => x === 0)).toBe(true);
    expect((await sliced.logprobs(states, [], [])).length).toBe(0);
    // The stream holds one slice of the head, never the whole matrix.
    expect(s2.hostBytes).toBeLessThanOrEqual(7 * d * 8 + 2 * d * 8);
    await whole.release();
    await sliced.release();
    s1.close();
    s2.close();
  });
});
