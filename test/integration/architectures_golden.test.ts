import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForwardRunner } from '../../src/engine/inference/forward_runner.js';
import { TrainStepRunner } from '../../src/engine/tuning/train_step_runner.js';
import { TINY_ARCHS } from '../fixtures/tiny/tiny_models.js';
import { goldenCase, loadGolden, maxAbsDiff } from '../helpers/golden.js';

/**
 * Each architecture, as a tiny random model written by the suite, against golden values from
 * Hugging Face transformers + PEFT in float64 (scripts/golden/make_golden.py): logits at every
 * real position, the loss, and d(loss)/d(prompt).
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-golden-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(TINY_ARCHS.map((v) => [v]))('%s matches transformers + PEFT', (variant) => {
  const { g, model, prompt, examples } = goldenCase(golden, variant, root);

  it('logits at every real position (float64)', async () => {
    const runner = await ForwardRunner.create(model, g.num_virtual_tokens, { dtype: 'float64' });
    const seqs = examples.map((e) => e.ids);
    const at = g.logits.positions.map(([b, p]) => [b, p - g.num_virtual_tokens] as [number, number]);
    const { data } = await runner.logits(prompt, seqs, at);
    expect(maxAbsDiff(data, g.logits.data)).toBeLessThan(1e-9);
    await runner.release();
  });

  it('loss and prompt gradient (float64)', async () => {
    const runner = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float64' });
    const r = await runner.step(prompt, examples);
    expect(r.numLabelTokens).toBe(g.num_label_tokens);
    expect(Math.abs(r.loss - g.loss)).toBeLessThan(1e-10);
    expect(maxAbsDiff(r.grad, g.grad_prompt.data)).toBeLessThan(1e-9);
    await runner.release();
  });

  it('loss and gradient in float32 stay close to float64', async () => {
    const runner = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float32' });
    const r = await runner.step(prompt, examples);
    expect(Math.abs(r.loss - g.loss)).toBeLessThan(1e-4);
    expect(maxAbsDiff(r.grad, g.grad_prompt.data)).toBeLessThan(1e-3);
    await runner.release();
  });
});
