import { SpsError } from '../../shared/errors.js';
import type { LoadedModel } from '../models/load_model.js';
import { embeddingRowsReader } from '../tuning/embedding_rows.js';
import type { EmbeddingRows } from '../tuning/prompt_init.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * The vocabulary tokens nearest to each virtual token, by cosine similarity with the rows of
 * the input embedding matrix: a rough, human-readable view of what a soft prompt "says"
 * (trained prompts usually sit far from any real token, so similarities are often low).
 *
 * The matrix is read in blocks of rows (it can be vocab × hidden = 152k × 3584 on disk), so
 * memory stays at one block plus the prompt.
 */
export interface NearestToken {
  id: number;
  /** The raw vocabulary entry (e.g. `▁upon`), or `<id N>` for an id the tokenizer lacks. */
  token: string;
  similarity: number;
}

export interface VirtualTokenNeighbours {
  /** Virtual token index 0..n-1. */
  index: number;
  tokens: NearestToken[];
}

export interface NearestTokensOptions {
  /** Tokens per virtual token (default 5). */
  k?: number;
  /** Rows read per block (default 4096). */
  blockRows?: number;
}

/** The input embedding matrix's name per architecture family (as job_prompt_init.ts). */
export function embeddingTensorName(model: Pick<LoadedModel, 'spec'>): string {
  return model.spec.modelType === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
}

/** Nearest vocabulary tokens for each virtual token of `prompt`, from the model's embedding matrix. */
export function nearestTokens(prompt: SoftPrompt, model: LoadedModel, opts: NearestTokensOptions = {}): VirtualTokenNeighbours[] {
  const d = model.spec.hiddenSize;
  if (prompt.dim !== d) {
    throw new SpsError('TENSOR_MISMATCH', `the soft prompt is ${prompt.dim} wide but the model's hidden size is ${d}`, { location: { file: model.dir, field: 'hidden_size' }, hint: 'use the model the prompt was trained for' });
  }
  const info = model.weights.get(embeddingTensorName(model), undefined, 'input embeddings');
  const rows = embeddingRowsReader(info);
  const matrixRows = info.shape[0]!;
  // Rows past the tokenizer's vocabulary are padding (never produced by the tokenizer).
  const vocab = Math.min(matrixRows, model.tokenizer.vocabSize);
  return nearestTokensFromRows(prompt, rows, vocab, (id) => model.tokenizer.idToToken(id), opts);
}

/**
 * The core, independent of a model folder: `rows(ids)` returns those rows of a vocab × dim
 * matrix (row-major float64). Ties keep the lower id first; a zero row or zero virtual token
 * has similarity 0 with everything.
 */
export function nearestTokensFromRows(prompt: SoftPrompt, rows: EmbeddingRows, vocab: number, idToToken: (id: number) => string | undefined, opts: NearestTokensOptions = {}): VirtualTokenNeighbours[] {
  const k = opts.k ?? 5;
  const blockRows = opts.blockRows ?? 4096;
  if (!Number.isInteger(k) || k < 1) throw new SpsError('INVALID_ARGUMENT', `the number of nearest tokens must be a whole number ≥ 1, got ${k}`, { location: { field: 'k' } });
  if (!Number.isInteger(blockRows) || blockRows < 1) throw new SpsError('INTERNAL', `nearestTokens: blockRows must be ≥ 1, got ${blockRows}`);
  const { numVirtualTokens: n, dim: d, data } = prompt;
  const pNorm = new Float64Array(n);
  for (let i = 0; i < n; i++) pNorm[i] = norm(data, i * d, d);
  // Per virtual token: the best k so far, sorted by similarity descending (then id ascending).
  const best: { id: number; similarity: number }[][] = Array.from({ length: n }, () => []);
  for (let start = 0; start < vocab; start += blockRows) {
    const ids = Array.from({ length: Math.min(blockRows, vocab - start) }, (_, j) => start + j);
    const block = rows(ids);
    if (block.length !== ids.length * d) throw new SpsError('INTERNAL', `nearestTokens: embedding rows are ${block.length / ids.length} wide, the prompt is ${d}`);
    for (let j = 0; j < ids.length; j++) {
      const eNorm = norm(block, j * d, d);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += data[i * d + c]! * block[j * d + c]!;
        const denom = pNorm[i]! * eNorm;
        const sim = denom > 0 ? dot / denom : 0;
        insertTopK(best[i]!, { id: ids[j]!, similarity: sim }, k);
      }
    }
  }
  return best.map((list, index) => ({ index, tokens: list.map(({ id, similarity }) => ({ id, token: idToToken(id) ?? `<id ${id}>`, similarity })) }));
}

function norm(a: Float64Array, offset: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[offset + i]! * a[offset + i]!;
  return Math.sqrt(s);
}

/** Insert into a list kept sorted by similarity desc; ids arrive ascending, so equal values stay id-ordered. */
function insertTopK(list: { id: number; similarity: number }[], item: { id: number; similarity: number }, k: number): void {
  if (list.length === k && !(item.similarity > list[k - 1]!.similarity)) return;
  let pos = list.length;
  while (pos > 0 && item.similarity > list[pos - 1]!.similarity) pos--;
  list.splice(pos, 0, item);
  if (list.length > k) list.pop();
}
