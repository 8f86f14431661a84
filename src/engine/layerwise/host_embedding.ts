import type { LoadedModel } from '../models/load_model.js';
import { embeddingRowsReader } from '../tuning/embedding_rows.js';
import type { EmbeddingRows } from '../tuning/prompt_init.js';

export type HiddenArray = Float32Array | Float64Array;

/**
 * The input hidden states of the first layer, [B·T, d] with T = n + L, computed on the host:
 * the soft prompt's rows, then the token embedding rows read straight from the safetensors
 * file (a few hundred rows, never the whole vocabulary × hidden matrix), plus learned
 * position rows where the architecture has them (gpt2). Exactly what the whole-model graphs
 * compute before the first block.
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
   * `prompt` [n·d] (any precision), `ids` [B·L] row-major; returns [B·T·d] in `dtype`.
   * Positions start at `offset` (0 for a whole sequence; the cache length when decoding).
   */
  embed(prompt: ArrayLike<number> | undefined, n: number, ids: readonly number[], B: number, L: number, dtype: 'float32' | 'float64', offset = 0): HiddenArray {
    const d = this.model.spec.hiddenSize;
    const T = n + L;
    const out = dtype === 'float32' ? new Float32Array(B * T * d) : new Float64Array(B * T * d);
    const rows = this.tokens([...ids]);
    const pos = this.positions?.(Array.from({ length: T }, (_, t) => offset + t));
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const dst = (b * T + t) * d;
        for (let j = 0; j < d; j++) {
          const x = t < n ? prompt![t * d + j]! : rows[(b * L + t - n) * d + j]!;
          // Rounded to the compute dtype first, then added, as the graphs add two tensors of it.
          out[dst + j] = x;
          if (pos) out[dst + j] = out[dst + j]! + (dtype === 'float32' ? Math.fround(pos[t * d + j]!) : pos[t * d + j]!);
        }
      }
    }
    return out;
  }
}
