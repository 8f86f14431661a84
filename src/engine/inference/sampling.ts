import { SpsError } from '../../shared/errors.js';
import type { Rng } from '../tuning/rng.js';
import { argmax } from './generate.js';

export interface SamplingOptions {
  /** 0 (default) is greedy decoding. */
  temperature?: number;
  /** Keep the k most likely tokens (0: all). */
  topK?: number;
  /** Keep the smallest set of tokens whose probability reaches p (1: all). */
  topP?: number;
}

export function checkSampling(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature >= 0)) throw new SpsError('INVALID_ARGUMENT', `temperature must be ≥ 0, got ${o.temperature}`, { location: { field: '--temperature' } });
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new SpsError('INVALID_ARGUMENT', `top-k must be an integer ≥ 0, got ${o.topK}`, { location: { field: '--top-k' } });
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new SpsError('INVALID_ARGUMENT', `top-p must be in (0, 1], got ${o.topP}`, { location: { field: '--top-p' } });
}

/**
 * Picks the next token from one row of logits: greedy at temperature 0, else softmax at the
 * temperature restricted by top-k then top-p (as transformers' warpers order them), sampled
 * with the seeded generator so a seed reproduces the text.
 */
export function sampleToken(logits: ArrayLike<number>, offset: number, vocab: number, o: SamplingOptions, rng: Rng): number {
  const temperature = o.temperature ?? 0;
  if (temperature === 0) return argmax(logits, offset, vocab);
  const idx = Array.from({ length: vocab }, (_, i) => i);
  idx.sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b);
  const k = o.topK && o.topK > 0 ? Math.min(o.topK, vocab) : vocab;
  const kept = idx.slice(0, k);
  const max = logits[offset + kept[0]!]!;
  let probs = kept.map((i) => Math.exp((logits[offset + i]! - max) / temperature));
  let sum = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / sum);
  const topP = o.topP ?? 1;
  let cut = probs.length;
  if (topP < 1) {
    let acc = 0;
    for (let i = 0; i < probs.length; i++) {
      acc += probs[i]!;
      if (acc >= topP) {
        cut = i + 1;
        break;
      }
    }
  }
  const final = probs.slice(0, cut);
  sum = final.reduce((a, b) => a + b, 0);
  let r = rng.nextFloat() * sum;
  for (let i = 0; i < final.length; i++) {
    r -= final[i]!;
    if (r < 0) return kept[i]!;
  }
  return kept[final.length - 1]!;
}
