import { SpsError } from '../../shared/errors.js';
import type { Rng } from './rng.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';

/**
 * Soft-prompt initialisers (DESIGN.md §3 "Initialisation"). Initialisation matters a lot for
 * prompt tuning (Lester et al. 2021), so each PEFT/paper variant is offered. The functions
 * never read model weights themselves: the caller passes `embeddingRows` (see
 * embedding_rows.ts), which keeps this file free of model code and easy to test.
 */

/** Rows of the input-embedding matrix for `ids`, concatenated row-major (ids.length × d). */
export type EmbeddingRows = (ids: number[]) => Float64Array;

function checkShape(n: number, d: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SpsError('INVALID_CONFIG', `the number of virtual tokens must be at least 1, got ${n}`, { location: { field: 'num_virtual_tokens' } });
  if (!Number.isInteger(d) || d < 1) throw new SpsError('INVALID_CONFIG', `the prompt width must be at least 1, got ${d}`, { location: { field: 'token_dim' } });
}

/** Looks up rows and checks the callback kept its contract (a wrong width would silently shear rows). */
function lookup(ids: number[], d: number, embeddingRows: EmbeddingRows): Float64Array {
  const data = embeddingRows(ids);
  if (data.length !== ids.length * d) {
    throw new SpsError('INTERNAL', `embedding lookup returned ${data.length} values for ${ids.length} ids of width ${d}`);
  }
  return data;
}

/** PEFT TEXT semantics: repeat the ids as often as needed, then truncate to exactly n. */
function cycleTo(ids: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(ids[i % ids.length]!);
  return out;
}

/**
 * Uniform in [-range, range) (Lester et al.'s random init with range 0.5; PEFT's own RANDOM
 * is N(0,1), which is far larger than real embeddings and trains worse). Row-major draw order.
 */
export function randomUniform(n: number, d: number, rng: Rng, range = 0.5): SoftPrompt {
  checkShape(n, d);
  if (!(range > 0 && Number.isFinite(range))) throw new SpsError('INVALID_CONFIG', `the random init range must be positive, got ${range}`, { location: { field: 'init_range' } });
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = (rng.nextFloat() * 2 - 1) * range;
  return softPrompt(n, d, data);
}

export interface VocabSampleOptions {
  /** Ids never sampled (special tokens: BOS/EOS/PAD/UNK…). */
  excludeIds?: readonly number[];
  /** Smallest id sampled (e.g. to skip byte-fallback tokens at the start of a vocabulary). Default 0. */
  minId?: number;
}

/**
 * n distinct token ids from [minId, vocabSize) minus excludeIds, by a partial Fisher–Yates
 * over the candidates (deterministic given the rng). Distinct so no two virtual tokens start
 * identical. Exported so the trainer can record which tokens were used.
 */
export function sampleVocabIds(n: number, vocabSize: number, rng: Rng, opts: VocabSampleOptions = {}): number[] {
  const minId = opts.minId ?? 0;
  const excluded = new Set(opts.excludeIds ?? []);
  const candidates: number[] = [];
  for (let id = minId; id < vocabSize; id++) if (!excluded.has(id)) candidates.push(id);
  if (n > candidates.length) {
    throw new SpsError('INVALID_CONFIG', `cannot sample ${n} distinct vocabulary tokens: only ${candidates.length} are eligible (vocabulary ${vocabSize}, ${excluded.size} excluded, ids from ${minId})`, {
      location: { field: 'num_virtual_tokens' },
      hint: 'use fewer virtual tokens or another initialisation',
    });
  }
  for (let i = 0; i < n; i++) {
    const j = i + rng.nextInt(candidates.length - i);
    const tmp = candidates[i]!;
    candidates[i] = candidates[j]!;
    candidates[j] = tmp;
  }
  return candidates.slice(0, n);
}

/** Rows of the embedding matrix for n distinct sampled token ids (see sampleVocabIds). */
export function sampledVocab(n: number, d: number, embeddingRows: EmbeddingRows, vocabSize: number, rng: Rng, opts: VocabSampleOptions = {}): SoftPrompt {
  checkShape(n, d);
  return softPrompt(n, d, lookup(sampleVocabIds(n, vocabSize, rng, opts), d, embeddingRows));
}

/**
 * PEFT's TEXT init: the embeddings of the init text's tokens (as the caller tokenized them,
 * with special tokens, as PEFT does), cycled or truncated to n.
 */
export function fromText(n: number, d: number, textIds: number[], embeddingRows: EmbeddingRows): SoftPrompt {
  checkShape(n, d);
  if (textIds.length === 0) throw new SpsError('INVALID_CONFIG', 'the initialisation text has no tokens', { location: { field: 'init_text' }, hint: 'enter some text, or choose another initialisation' });
  return softPrompt(n, d, lookup(cycleTo(textIds, n), d, embeddingRows));
}

/**
 * Class-label init (Lester et al.): the tokens of every label (in label order, each
 * label's tokens in order) concatenated, then cycled or truncated to n.
 */
export function fromLabels(n: number, d: number, labelIdLists: number[][], embeddingRows: EmbeddingRows): SoftPrompt {
  checkShape(n, d);
  const ids = labelIdLists.flat();
  if (ids.length === 0) throw new SpsError('INVALID_CONFIG', 'the class labels have no tokens to initialise from', { location: { field: 'labels' }, hint: 'define labels, or choose another initialisation' });
  return softPrompt(n, d, lookup(cycleTo(ids, n), d, embeddingRows));
}

/** Transfer from an existing prompt: same width required; rows truncated or cycled to n. */
export function fromPrompt(existing: SoftPrompt, n: number, d: number): SoftPrompt {
  checkShape(n, d);
  if (existing.dim !== d) {
    throw new SpsError('TENSOR_MISMATCH', `the existing prompt is [${existing.numVirtualTokens}, ${existing.dim}] but this run needs [${n}, ${d}]: widths ${existing.dim} and ${d} differ`, {
      location: { field: 'init_prompt' },
      hint: 'a prompt can only be transferred between models with the same hidden size',
    });
  }
  if (existing.numVirtualTokens < 1) throw new SpsError('TENSOR_MISMATCH', 'the existing prompt has no virtual tokens', { location: { field: 'init_prompt' } });
  const data = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const src = r % existing.numVirtualTokens;
    data.set(existing.data.subarray(src * d, (src + 1) * d), r * d);
  }
  return softPrompt(n, d, data);
}
