import { rowCount, tokenRow } from '../graphs/rows.js';
import type { LoadedModel } from '../models/load_model.js';
import { embeddingRowsReader } from '../tuning/embedding_rows.js';
import type { EmbeddingRows } from '../tuning/prompt_init.js';

export type HiddenArray = Float32Array | Float64Array;

/**
 * The input hidden states of the first layer, [n + B·L, d] (graphs/rows.ts: the soft prompt's
 * rows once, then each sequence's tokens), computed on the host: the prompt's rows, then the
 * token embedding rows read straight from the safetensors file (a few hundred rows, never the
 * whole vocabulary × hidden matrix), plus learned position rows where the architecture has them
 * (gpt2). Exactly what the whole-model graphs compute before the first block.
 */
export class HostEmbedding {
  private readonly tokens: EmbeddingRows;
  private readonly positions: EmbeddingRows | undefined;

  constructor(private readonly model: LoadedModel) {
    const names = model.arch.embeddingTensors(model.spec);
    const d = model.spec.hiddenSize;
    this.tokens = embeddingRowsReader(model.weights.get(names.tokens, [model.spec.vocabSize, d], 'token embeddings'));
    this.positions = names.positions ? embeddingRowsReader(model.weights.get(names.positions, [model.spec.maxPositions, d], 'position embeddings')) : undefined;
  }

  /**
   * `prompt` [n·d] (any precision), `ids` [B·L] row-major; returns [(n + B·L)·d] in `dtype`.
   * Positions start at `offset` (0 for a whole sequence; the cache length when decoding).
   */
  embed(prompt: ArrayLike<number> | undefined, n: number, ids: readonly number[], B: number, L: number, dtype: 'float32' | 'float64', offset = 0): HiddenArray {
    const d = this.model.spec.hiddenSize;
    const out = dtype === 'float32' ? new Float32Array(rowCount(n, B, L) * d) : new Float64Array(rowCount(n, B, L) * d);
    const rows = this.tokens([...ids]);
    const pos = this.positions?.(Array.from({ length: n + L }, (_, t) => offset + t));
    // Rounded to the compute dtype first, then the position row added, as the graphs add two tensors of it.
    const put = (dst: number, x: ArrayLike<number>, src: number, t: number): void => {
      for (let j = 0; j < d; j++) {
        out[dst + j] = x[src + j]!;
        if (pos) out[dst + j] = out[dst + j]! + (dtype === 'float32' ? Math.fround(pos[t * d + j]!) : pos[t * d + j]!);
      }
    };
    for (let t = 0; t < n; t++) put(t * d, prompt!, t * d, t);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < L; j++) put(tokenRow(n, L, b, j) * d, rows, (b * L + j) * d, n + j);
    }
    return out;
  }
}
