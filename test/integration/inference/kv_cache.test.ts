import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedGenerator } from '../../../src/engine/inference/cached_generator.js';
import { ForwardRunner } from '../../../src/engine/inference/forward_runner.js';
import { greedyGenerate } from '../../../src/engine/inference/generate.js';
import { loadModel, type LoadedModel } from '../../../src/engine/models/load_model.js';
import { Rng } from '../../../src/engine/tuning/rng.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/** 200 greedy tokens with the KV cache, token for token against full recomputation. */
describe('generation with a KV cache (stories260K)', () => {
  let model: LoadedModel;
  let cached: CachedGenerator;
  let prompt: SoftPrompt;
  beforeAll(async () => {
    model = loadModel(storiesModelDir());
    cached = await CachedGenerator.create(model, { dtype: 'float32' });
    const rng = Rng.fromSeed(7);
    prompt = softPrompt(5, 64, Float64Array.from({ length: 5 * 64 }, () => rng.nextFloat() - 0.5));
  });
  afterAll(async () => cached.release());

  it('without a prompt: equals full recomputation and the README reference', async () => {
    const full = await ForwardRunner.create(model, 0, { dtype: 'float32' });
    const a = await cached.generate(undefined, [1], { maxNewTokens: 200 });
    const b = await greedyGenerate(full, undefined, [1], { maxNewTokens: 200 });
    await full.release();
    expect(a.ids).toEqual(b.ids);
    expect(a.ids.slice(0, 5)).toEqual([403, 407, 261, 378, 432]);
  });

  it('with a soft prompt: equals full recomputation token for token', async () => {
    const full = await ForwardRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' });
    const a = await cached.generate(prompt, [1, 403], { maxNewTokens: 200 });
    const b = await greedyGenerate(full, prompt, [1, 403], { maxNewTokens: 200 });
    await full.release();
    expect(a.ids).toHaveLength(200);
    expect(a.ids).toEqual(b.ids);
  });

  it('stops at BOS, which the stories model emits to end a story', async () => {
    const r = await cached.generate(undefined, [1], { maxNewTokens: 400, stopTokenIds: [1, 2] });
    expect(r.stopped).toBe(true);
    expect(r.ids.at(-1)).toBe(1);
    expect(r.ids).toHaveLength(346);
  });

  it('a seeded sampled generation is reproducible and differs from greedy', async () => {
    const opts = { maxNewTokens: 30, temperature: 1, topK: 40, seed: 3 };
    const a = await cached.generate(undefined, [1], opts);
    const b = await cached.generate(undefined, [1], opts);
    const c = await cached.generate(undefined, [1], { ...opts, seed: 4 });
    expect(a.ids).toEqual(b.ids);
    expect(c.ids).not.toEqual(a.ids);
  });

  it('a stream cancelled midway ends and leaves the session usable', async () => {
    const controller = new AbortController();
    const got: number[] = [];
    const stream = cached.stream(undefined, [1], { maxNewTokens: 100, signal: controller.signal });
    for await (const id of stream) {
      got.push(id);
      if (got.length === 10) controller.abort();
    }
    expect(got).toHaveLength(10);
    // Breaking out of a for-await also ends the generator (its return runs).
    const partial: number[] = [];
    for await (const id of cached.stream(undefined, [1], { maxNewTokens: 100 })) {
      partial.push(id);
      if (partial.length === 3) break;
    }
    expect(partial).toEqual([403, 407, 261]);
    const again = await cached.generate(undefined, [1], { maxNewTokens: 5 });
    expect(again.ids).toEqual([403, 407, 261, 378, 432]);
  });

  it('refuses a request beyond the context', async () => {
    await expect(cached.generate(prompt, [1], { maxNewTokens: 600 })).rejects.toThrow(/context of 512/);
  });
});
