import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CachedGenerator } from '../../../src/engine/inference/cached_generator.js';
import { ForwardRunner } from '../../../src/engine/inference/forward_runner.js';
import { ScoreRunner } from '../../../src/engine/inference/score_runner.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { TINY_ARCHS } from '../../fixtures/tiny/tiny_models.js';
import { goldenCase, loadGolden, maxAbsDiff } from '../../helpers/golden.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/**
 * Inference layer by layer (streamed weights, chunked head) against the whole-model graphs:
 * scoring, logits at chosen positions (also against transformers' golden logits) and
 * generation with a key/value cache.
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-layerwise-inf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(TINY_ARCHS.map((v) => [v]))('%s: layer-wise inference', (variant) => {
  const { g, model, prompt, examples } = goldenCase(golden, variant, root);

  it('scores and logits equal the whole-model graphs (float64) and the golden logits', async () => {
    const n = g.num_virtual_tokens;
    const [sk, sl] = [await ScoreRunner.create(model, n, { dtype: 'float64', strategy: 'keep' }), await ScoreRunner.create(model, n, { dtype: 'float64', strategy: 'layerwise' })];
    const a = await sk.score(prompt, examples, 2);
    const b = await sl.score(prompt, examples, 2);
    expect(b.map((x) => x.tokens)).toEqual(a.map((x) => x.tokens));
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i]!.logprob - a[i]!.logprob)).toBeLessThanOrEqual(1e-12 * Math.abs(a[i]!.logprob));
    await sk.release();
    await sl.release();

    const runner = await ForwardRunner.create(model, n, { dtype: 'float64', strategy: 'layerwise' });
    const at = g.logits.positions.map(([b, p]) => [b, p - n] as [number, number]);
    const { data } = await runner.logits(prompt, examples.map((e) => e.ids), at);
    expect(maxAbsDiff(data, g.logits.data)).toBeLessThan(1e-9);
    await runner.release();
  });

  it('KV-cache generation gives the whole-model decode graph ids and caches', async () => {
    const whole = await CachedGenerator.create(model, { dtype: 'float64', strategy: 'keep' });
    const lw = await CachedGenerator.create(model, { dtype: 'float64', strategy: 'layerwise' });
    const a = await whole.generate(prompt, [1, 5, 7], { maxNewTokens: 12 });
    const b = await lw.generate(prompt, [1, 5, 7], { maxNewTokens: 12 });
    expect(b.ids).toEqual(a.ids);
    await whole.release();
    await lw.release();
  });
});

describe('layer-wise generation on the real stories260K model', () => {
  it('gives the README continuation from BOS', async () => {
    const model = loadModel(storiesModelDir());
    const gen = await CachedGenerator.create(model, { dtype: 'float32', strategy: 'layerwise' });
    const r = await gen.generate(undefined, [1], { maxNewTokens: 5 });
    expect(r.ids).toEqual([403, 407, 261, 378, 432]);
    expect(gen.cacheBytes(6)).toBe(2 * model.spec.numLayers * model.spec.numKvHeads * 6 * model.spec.headDim * 4);
    await gen.release();
  });
});
