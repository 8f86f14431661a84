import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { TINY_ARCHS } from '../../fixtures/tiny/tiny_models.js';
import { goldenCase, loadGolden, maxAbsDiff, relDiff } from '../../helpers/golden.js';

/**
 * Both layer-wise train steps (streamed weights, chunked head; the backward recomputing each
 * layer, or fed the forward's weight products) against the keep-everything whole-model graph
 * and against transformers + PEFT, on every architecture.
 * Head chunks of 2 rows make the chunking itself part of what is checked.
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-layerwise-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(TINY_ARCHS.map((v) => [v]))('%s: layer-wise step', (variant) => {
  const { g, model, prompt, examples } = goldenCase(golden, variant, root);

  it.each([['layerwise-recompute'], ['layerwise-saved']] as const)('%s gives the keep-everything loss and gradient (float64, ≤ 1e-12 relative) and the golden values', async (strategy) => {
    const keep = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float64', strategy: 'keep' });
    const lw = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float64', strategy, headChunkRows: 2 });
    expect(lw.strategy).toBe(strategy);
    const a = await keep.step(prompt, examples);
    const b = await lw.step(prompt, examples);
    expect(b.numLabelTokens).toBe(a.numLabelTokens);
    expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThanOrEqual(1e-12);
    expect(relDiff(b.grad, a.grad)).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(b.loss - g.loss)).toBeLessThan(1e-10);
    expect(maxAbsDiff(b.grad, g.grad_prompt.data)).toBeLessThan(1e-9);
    // A second step on the same runner: nothing of the first (saved products, stream buffers) leaks into it.
    const again = await lw.step(prompt, examples);
    expect(again.loss).toBe(b.loss);
    expect(relDiff(again.grad, b.grad)).toBe(0);
    await keep.release();
    await lw.release();
  });

  it.each([['layerwise-recompute'], ['layerwise-saved']] as const)('%s stays close to float64 in float32', async (strategy) => {
    const lw = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float32', strategy });
    const r = await lw.step(prompt, examples);
    expect(Math.abs(r.loss - g.loss)).toBeLessThan(1e-4);
    expect(maxAbsDiff(r.grad, g.grad_prompt.data)).toBeLessThan(1e-3);
    await lw.release();
  });
});
