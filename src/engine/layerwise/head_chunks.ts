import { buildHeadLossGraph, buildHeadScoreGraph, HEAD } from '../graphs/layerwise/head_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { tensor } from '../runtime/session.js';
import type { WeightFeeder } from '../runtime/weight_feeder.js';
import type { HiddenArray } from './host_embedding.js';

/** Bytes of logits (and their softmax) a head chunk may hold: rows per chunk follow from it. */
export const HEAD_CHUNK_BYTES = 64 * 2 ** 20;

/** Rows per head chunk so that R × vocab logits and two same-sized temporaries fit the budget. */
export function headChunkRows(vocab: number, dtype: 'float32' | 'float64', budgetBytes = HEAD_CHUNK_BYTES): number {
  return Math.max(1, Math.floor(budgetBytes / (3 * vocab * (dtype === 'float32' ? 4 : 8))));
}

/** Rows `rows` of [N, d] states, gathered into [R, d]. */
function gatherRows(states: HiddenArray, rows: readonly number[], d: number, dtype: 'float32' | 'float64'): HiddenArray {
  const out = dtype === 'float32' ? new Float32Array(rows.length * d) : new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(states.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/**
 * Final norm + LM head + loss over label rows in chunks (memory independent of the number
 * of labelled positions × vocabulary), optionally with the gradient with respect to the rows.
 */
export class HeadChunks {
  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly session: FedSession,
    private readonly rowsPerChunk: number,
    readonly withGrad: boolean,
  ) {}

  static async create(model: LoadedModel, feeder: WeightFeeder, opts: ModelSessionOptions & { grad: boolean; rowsPerChunk?: number }): Promise<HeadChunks> {
    const graph = opts.grad ? buildHeadLossGraph(model, { dtype: opts.dtype }) : buildHeadScoreGraph(model, { dtype: opts.dtype });
    const session = await FedSession.create(graph, model.weights, feeder, opts);
    return new HeadChunks(model, opts.dtype, session, opts.rowsPerChunk ?? headChunkRows(model.spec.vocabSize, opts.dtype), opts.grad);
  }

  /**
   * Summed cross-entropy over the rows, and d(loss · scale)/d(states) scattered into a
   * [N, d] array (zero outside the rows). `rows` index the flattened [N, d] states.
   */
  async lossAndGrad(states: HiddenArray, rows: readonly number[], labels: readonly bigint[], scale: number): Promise<{ lossSum: number; grad: HiddenArray }> {
    const d = this.model.spec.hiddenSize;
    const grad = this.dtype === 'float32' ? new Float32Array(states.length) : new Float64Array(states.length);
    let lossSum = 0;
    for (let i = 0; i < rows.length; i += this.rowsPerChunk) {
      const chunk = rows.slice(i, i + this.rowsPerChunk);
      const out = await this.session.run(0, {
        [HEAD.rows]: tensor(this.dtype, [chunk.length, d], gatherRows(states, chunk, d, this.dtype)),
        [HEAD.labels]: tensor('int64', [chunk.length], BigInt64Array.from(labels.slice(i, i + chunk.length))),
      });
      lossSum += Number(out[HEAD.lossSum]!.data[0]);
      const g = out[HEAD.gradRows]!.data as HiddenArray;
      chunk.forEach((r, k) => {
        for (let j = 0; j < d; j++) grad[r * d + j] = grad[r * d + j]! + scale * g[k * d + j]!;
      });
    }
    return { lossSum, grad };
  }

  /** log p(label | row) for each row (evaluation). */
  async logprobs(states: HiddenArray, rows: readonly number[], labels: readonly bigint[]): Promise<Float64Array> {
    const d = this.model.spec.hiddenSize;
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i += this.rowsPerChunk) {
      const chunk = rows.slice(i, i + this.rowsPerChunk);
      const res = await this.session.run(0, {
        [HEAD.rows]: tensor(this.dtype, [chunk.length, d], gatherRows(states, chunk, d, this.dtype)),
        [HEAD.labels]: tensor('int64', [chunk.length], BigInt64Array.from(labels.slice(i, i + chunk.length))),
      });
      out.set(res[HEAD.logprobs]!.data as HiddenArray, i);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
