import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ForwardRunner } from '../../src/engine/inference/forward_runner.js';
import { loadModel } from '../../src/engine/models/load_model.js';
import { TrainStepRunner } from '../../src/engine/tuning/train_step_runner.js';
import { TINY_ARCHS, writeTinyModel, type TinyVariant } from '../fixtures/tiny/tiny_models.js';
import { goldenExamples, goldenPrompt, loadGolden, maxAbsDiff } from '../helpers/golden.js';

/**
 * The tiny models with config.json as transformers 5 saves it (`rope_parameters` instead of
 * rope_theta/rope_scaling, `layer_types`, explicit head_dim, `dtype`): the config files were
 * written by transformers itself (scripts/golden/make_golden.py records them), and the numbers
 * must match transformers + PEFT in float64, as the transformers-4 layout of the same weights does.
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-v5-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const v5 = Object.keys(golden).filter((k) => k.endsWith('@transformers5'));

describe('transformers-5 config layout', () => {
  it('covers every rope type and the Qwen layer_types layout', () => {
    const types = new Set(v5.map((k) => (golden[k]!.config_json!.rope_parameters as { rope_type: string }).rope_type));
    expect([...types].sort()).toEqual(['default', 'dynamic', 'linear', 'llama3', 'yarn']);
    expect(v5.some((k) => Array.isArray(golden[k]!.config_json!.layer_types))).toBe(true);
    for (const k of v5) {
      const cfg = golden[k]!.config_json!;
      expect(cfg.rope_theta, k).toBeUndefined();
      expect(cfg.rope_scaling, k).toBeUndefined();
    }
  });
});

describe.each(v5.map((k) => [k]))('%s matches transformers + PEFT', (key) => {
  const g = golden[key]!;
  const variant = g.same_weights_as as TinyVariant;
  expect(TINY_ARCHS).toContain(variant);
  const dir = join(root, variant);
  writeTinyModel(variant, dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(g.config_json, null, 2));
  const model = loadModel(dir);
  const prompt = goldenPrompt(g);
  const examples = goldenExamples(g);

  it('reads the same architecture as from the transformers-4 layout', () => {
    const legacy = join(root, `${variant}-legacy`);
    writeTinyModel(variant, legacy);
    expect(model.spec).toEqual(loadModel(legacy).spec);
  });

  it('logits, loss and prompt gradient (float64)', async () => {
    const fwd = await ForwardRunner.create(model, g.num_virtual_tokens, { dtype: 'float64' });
    const at = g.logits.positions.map(([b, p]) => [b, p - g.num_virtual_tokens] as [number, number]);
    const { data } = await fwd.logits(prompt, examples.map((e) => e.ids), at);
    await fwd.release();
    expect(maxAbsDiff(data, g.logits.data)).toBeLessThan(1e-9);
    const step = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float64' });
    const r = await step.step(prompt, examples);
    await step.release();
    expect(Math.abs(r.loss - g.loss)).toBeLessThan(1e-10);
    expect(maxAbsDiff(r.grad, g.grad_prompt.data)).toBeLessThan(1e-9);
  });
});
