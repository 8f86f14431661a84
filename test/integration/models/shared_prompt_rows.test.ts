import { describe, expect, it } from 'vitest';
import { positionRow, rowCount, tokenRow } from '../../../src/engine/graphs/rows.js';
import { ForwardRunner } from '../../../src/engine/inference/forward_runner.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/**
 * The soft prompt's rows are computed once per batch (graphs/rows.ts). What that must not
 * change: a sequence's logits do not depend on the other sequences of its batch, and the
 * batch's prompt gradient is the sum of the sequences' own. Float64, both strategies.
 */
const n = 4;
const sequences = [
  [1, 403, 407, 261, 378],
  [1, 11, 12],
  [1, 300, 301, 302, 303, 304, 305],
];

describe('the soft prompt computed once per batch', () => {
  it('places the prompt rows first, then each sequence’s tokens', () => {
    expect(rowCount(4, 3, 7)).toBe(25);
    expect(tokenRow(4, 7, 0, 0)).toBe(4);
    expect(tokenRow(4, 7, 2, 6)).toBe(24);
    expect(positionRow(4, 7, 2, 3)).toBe(3); // a prompt position: the same row for every sequence
    expect(positionRow(4, 7, 2, 4)).toBe(tokenRow(4, 7, 2, 0));
  });

  it.each(['keep', 'layerwise'] as const)('%s: batched logits equal one sequence at a time', async (strategy) => {
    const model = loadModel(storiesModelDir());
    const d = model.spec.hiddenSize;
    const prompt = softPrompt(n, d, Float64Array.from({ length: n * d }, (_, i) => 0.3 * Math.sin(i)));
    const runner = await ForwardRunner.create(model, n, { dtype: 'float64', strategy });
    try {
      const V = model.spec.vocabSize;
      // Every position of every sequence, the prompt's last row (-1) included.
      const at = sequences.flatMap((s, b) => Array.from({ length: s.length + 1 }, (_, j) => [b, j - 1] as [number, number]));
      const batched = await runner.logits(prompt, sequences, at);
      let k = 0;
      for (const [b, s] of sequences.entries()) {
        const alone = await runner.logits(prompt, [s], Array.from({ length: s.length + 1 }, (_, j) => [0, j - 1] as [number, number]));
        for (let i = 0; i < alone.data.length; i++) {
          expect(Math.abs(batched.data[k * V + i]! - alone.data[i]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(alone.data[i]!)));
        }
        k += s.length + 1;
        expect(b).toBeLessThan(sequences.length);
      }
    } finally {
      await runner.release();
    }
  }, 60_000);

  it.each(['keep', 'layerwise-saved'] as const)('%s: the batch’s prompt gradient is the sum of the sequences’ own', async (strategy) => {
    const model = loadModel(storiesModelDir());
    const d = model.spec.hiddenSize;
    const prompt = softPrompt(n, d, Float64Array.from({ length: n * d }, (_, i) => 0.3 * Math.cos(i)));
    const examples = sequences.map((ids) => ({ ids, labelStart: 1 }));
    const runner = await TrainStepRunner.create(model, n, { dtype: 'float64', strategy });
    try {
      const all = await runner.step(prompt, examples);
      // The loss is the mean over all label tokens: weight each sequence's by its share.
      const sum = new Float64Array(n * d);
      let loss = 0;
      for (const ex of examples) {
        const one = await runner.step(prompt, [ex]);
        const w = one.numLabelTokens / all.numLabelTokens;
        loss += w * one.loss;
        one.grad.forEach((g, i) => (sum[i] = sum[i]! + w * g));
      }
      expect(Math.abs(all.loss - loss)).toBeLessThanOrEqual(1e-12 * Math.abs(loss));
      const scale = Math.max(...sum.map(Math.abs));
      for (let i = 0; i < sum.length; i++) expect(Math.abs(all.grad[i]! - sum[i]!)).toBeLessThanOrEqual(1e-12 * scale);
    } finally {
      await runner.release();
    }
  }, 60_000);
});
