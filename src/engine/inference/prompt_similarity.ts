import { SpsError } from '../../shared/errors.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * How alike two soft prompts are: the cosine of their mean-pooled vectors (the average
 * virtual token). Prompts with different numbers of virtual tokens compare fine; prompts of
 * different widths (hidden sizes, i.e. different models) do not compare at all.
 *
 * Used to suggest which earlier prompt to start a new run from (transfer initialisation).
 */

/** The mean of the prompt's rows: a `dim`-vector. */
export function meanPool(p: SoftPrompt): Float64Array {
  const out = new Float64Array(p.dim);
  for (let r = 0; r < p.numVirtualTokens; r++) for (let c = 0; c < p.dim; c++) out[c]! += p.data[r * p.dim + c]!;
  for (let c = 0; c < p.dim; c++) out[c]! /= p.numVirtualTokens;
  return out;
}

/**
 * Cosine similarity of the mean-pooled prompts, in [-1, 1]; `undefined` when the widths
 * differ (incomparable, not an error). A zero mean vector has similarity 0 with everything.
 */
export function promptSimilarity(a: SoftPrompt, b: SoftPrompt): number | undefined {
  if (a.dim !== b.dim) return undefined;
  const x = meanPool(a);
  const y = meanPool(b);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let c = 0; c < a.dim; c++) {
    dot += x[c]! * y[c]!;
    nx += x[c]! * x[c]!;
    ny += y[c]! * y[c]!;
  }
  const denom = Math.sqrt(nx) * Math.sqrt(ny);
  if (!(denom > 0)) return 0;
  // Rounding can push |cos| a hair past 1; clamp so callers can rely on the range.
  return Math.max(-1, Math.min(1, dot / denom));
}

export interface SimilarityCandidate {
  /** What to show the user: a run folder, a file name… */
  id: string;
  prompt: SoftPrompt;
}

export interface RankedCandidate {
  id: string;
  similarity: number;
  numVirtualTokens: number;
}

export interface IncomparableCandidate {
  id: string;
  dim: number;
  reason: string;
}

export interface SimilarityRanking {
  /** Most similar first (ties keep the candidates' order). */
  ranked: RankedCandidate[];
  /** Candidates of another width, with why. */
  incomparable: IncomparableCandidate[];
}

/** Ranks earlier prompts by similarity to `prompt`; other widths are listed as incomparable. */
export function rankRunsBySimilarity(prompt: SoftPrompt, candidates: readonly SimilarityCandidate[]): SimilarityRanking {
  if (prompt.numVirtualTokens < 1 || prompt.dim < 1) throw new SpsError('INVALID_ARGUMENT', 'the prompt to compare is empty', { location: { field: 'prompt' } });
  const ranked: RankedCandidate[] = [];
  const incomparable: IncomparableCandidate[] = [];
  for (const c of candidates) {
    const similarity = promptSimilarity(prompt, c.prompt);
    if (similarity === undefined) {
      incomparable.push({ id: c.id, dim: c.prompt.dim, reason: `its width is ${c.prompt.dim}, this prompt's is ${prompt.dim} (made for a different model)` });
    } else {
      ranked.push({ id: c.id, similarity, numVirtualTokens: c.prompt.numVirtualTokens });
    }
  }
  // Array.prototype.sort is stable, so equal similarities keep the input order.
  ranked.sort((a, b) => b.similarity - a.similarity);
  return { ranked, incomparable };
}
