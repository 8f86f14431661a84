import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForwardRunner } from '../../../src/engine/inference/forward_runner.js';
import { ScoreRunner } from '../../../src/engine/inference/score_runner.js';
import { loadModel, type LoadedModel } from '../../../src/engine/models/load_model.js';
import { evaluateWithDetails, type EvalContext, type ExampleSource } from '../../../src/engine/tuning/evaluate.js';
import type { TrainExample } from '../../../src/engine/tuning/prepare_data.js';
import { Rng } from '../../../src/engine/tuning/rng.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/**
 * Evaluation reads a large validation set block by block (from the token cache in a run):
 * whatever the block size, the metrics and predictions are those of one pass over an array,
 * to the last bit (blocks are whole batches; sums are taken in the same order).
 */
describe('evaluation over validation examples read in blocks (stories260K)', () => {
  let model: LoadedModel;
  let scorer: ScoreRunner;
  let gen: ForwardRunner;
  let prompt: SoftPrompt;
  const examples: TrainExample[] = [];
  beforeAll(async () => {
    model = loadModel(storiesModelDir());
    scorer = await ScoreRunner.create(model, 3, { dtype: 'float32' });
    gen = await ForwardRunner.create(model, 3, { dtype: 'float32' });
    const rng = Rng.fromSeed(11);
    prompt = softPrompt(3, 64, Float64Array.from({ length: 3 * 64 }, () => rng.nextFloat() - 0.5));
    const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'was', 'happy', 'sad', 'Tom', 'Lily'];
    for (let i = 0; i < 23; i++) {
      const input = Array.from({ length: 3 + rng.nextInt(8) }, () => words[rng.nextInt(words.length)]).join(' ');
      const output = ` ${words[rng.nextInt(words.length)]} ${words[rng.nextInt(words.length)]}`;
      const inIds = model.tokenizer.encode(input, { addSpecialTokens: true });
      const outIds = model.tokenizer.encode(output, { addSpecialTokens: false });
      examples.push({ ids: [...inIds, ...outIds], labelStart: inIds.length, label: i % 3 });
    }
  });
  afterAll(async () => {
    await scorer?.release();
    await gen?.release();
  });

  /** A source that counts its reads and hands out copies (as the token cache does). */
  function source(reads: Array<[number, number]>): ExampleSource {
    return { length: examples.length, read: async (s, e) => (reads.push([s, e]), examples.slice(s, e).map((x) => ({ ...x, ids: [...x.ids] }))) };
  }

  for (const kind of ['lm', 'classification', 'generation'] as const) {
    it(`${kind}: blocks of 1, 4 and 7 examples give exactly the array's metrics`, async () => {
      const base: EvalContext = { kind, validation: examples, batchSize: 4, stopTokenIds: [], ...(kind === 'classification' ? { labels: ['a', 'b', 'c'], verbalizerIds: [model.tokenizer.encode(' happy', { addSpecialTokens: false }), model.tokenizer.encode(' sad', { addSpecialTokens: false }), model.tokenizer.encode(' mat', { addSpecialTokens: false })] } : {}), ...(kind === 'generation' ? { maxGenerationExamples: 9 } : {}) };
      const whole = await evaluateWithDetails(base, scorer, gen, prompt);
      expect(Number.isFinite(whole.metrics.val_loss)).toBe(true);
      for (const block of [1, 4, 7]) {
        const reads: Array<[number, number]> = [];
        const r = await evaluateWithDetails({ ...base, validation: source(reads), blockExamples: block }, scorer, gen, prompt);
        expect(r).toEqual(whole);
        // Blocks are whole batches (4), never the whole set at once.
        expect(Math.max(...reads.map(([s, e]) => e - s))).toBe(Math.ceil(block / 4) * 4);
      }
    });
  }
});
