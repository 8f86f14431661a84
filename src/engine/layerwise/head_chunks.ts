import { buildHeadNormBackwardGraph, buildHeadNormGraph, buildHeadSliceGraph, HEAD } from '../graphs/layerwise/head_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import type { WeightFeeder } from '../runtime/weight_feeder.js';
import { tensor, type HostTensor, type SessionValue } from '../runtime/session.js';
import { embeddingRowsReader } from '../tuning/embedding_rows.js';
import type { TensorInfo } from '../weights/safetensors_read.js';
import type { HiddenArray } from './host_embedding.js';

/** Bytes of logits (and two same-sized temporaries) one head run may hold: rows per run follow from it. */
export const HEAD_CHUNK_BYTES = 64 * 2 ** 20;
/** Bytes of the LM head one vocabulary slice holds, in the compute dtype: vocabulary rows per slice follow from it. */
export const HEAD_SLICE_BYTES = 32 * 2 ** 20;

/** Sizes of the head's pieces; tests set them tiny so that several slices and chunks run. */
export interface HeadSizes {
  /** Rows (label positions) per head run. */
  headChunkRows?: number;
  /** Vocabulary entries per slice of the LM head. */
  headSliceRows?: number;
}

const bytesOf = (dtype: 'float32' | 'float64'): number => (dtype === 'float32' ? 4 : 8);

/** Vocabulary entries per head slice: `budgetBytes` of the [S, d] matrix in the compute dtype. */
export function headSliceRows(vocab: number, hidden: number, dtype: 'float32' | 'float64', budgetBytes = HEAD_SLICE_BYTES): number {
  return Math.min(vocab, Math.max(1, Math.floor(budgetBytes / (hidden * bytesOf(dtype)))));
}

/** Rows per head run so that R × S logits and two same-sized temporaries fit the budget. */
export function headChunkRows(sliceRows: number, dtype: 'float32' | 'float64', budgetBytes = HEAD_CHUNK_BYTES): number {
  return Math.max(1, Math.floor(budgetBytes / (3 * sliceRows * bytesOf(dtype))));
}

const alloc = (dtype: 'float32' | 'float64', n: number): HiddenArray => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));

/** Rows `rows` of [N, d] states, gathered into [R, d]. */
function gatherRows(states: HiddenArray, rows: readonly number[], d: number, dtype: 'float32' | 'float64'): HiddenArray {
  const out = alloc(dtype, rows.length * d);
  rows.forEach((r, i) => out.set(states.subarray(r * d, (r + 1) * d), i * d));
  return out;
}

/** Per row: the running max logit M, Σ exp(logit − M), the label's logit, and (for the gradient) Σ exp(logit − M) W[v]. */
interface SoftmaxStats {
  max: Float64Array;
  sumExp: Float64Array;
  labelLogit: Float64Array;
  expRows?: Float64Array;
}

type SliceKind = 'logits' | 'stats' | 'grad';

/**
 * Final norm + LM head + loss over label rows, with memory independent of both the number of
 * labelled positions and the vocabulary: the head matrix is read from the file one vocabulary
 * slice at a time (S rows; half weights are widened per slice into one reused buffer, never
 * into a float32 copy of the whole head), and rows run in chunks of R, so logits never exist
 * for more than R × S at once. Slices combine on the host in float64 by an online
 * log-sum-exp (the running max rescales what was summed before), so the loss and
 * d loss / d rows are those of one softmax over the whole vocabulary, in one pass over the
 * head: d loss / d normed = Σ_v softmax_v W[v] − W[label], the first term accumulated slice by
 * slice and the second read from the file (the head is linear in W, checked when the slice
 * graph is built).
 */
export class HeadChunks {
  private readonly slices = new Map<SliceKind, FedSession>();
  private normBackward: FedSession | undefined;

  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly opts: ModelSessionOptions,
    private readonly feeder: WeightFeeder,
    private readonly norm: FedSession,
    private readonly head: TensorInfo,
    private readonly sliceRows: number,
    private readonly rowsPerChunk: number,
    readonly withGrad: boolean,
  ) {}

  static async create(model: LoadedModel, feeder: WeightFeeder, opts: ModelSessionOptions & HeadSizes & { grad: boolean }): Promise<HeadChunks> {
    const { vocabSize: V, hiddenSize: d } = model.spec;
    const sliceRows = Math.min(V, opts.headSliceRows ?? headSliceRows(V, d, opts.dtype));
    const norm = await FedSession.create(buildHeadNormGraph(model, { dtype: opts.dtype }), model.weights, feeder, opts);
    const kind: SliceKind = opts.grad ? 'grad' : 'stats';
    const slice = buildHeadSliceGraph(model, { dtype: opts.dtype, kind });
    const head = new HeadChunks(model, opts.dtype, opts, feeder, norm, slice.head, sliceRows, opts.headChunkRows ?? headChunkRows(sliceRows, opts.dtype), opts.grad);
    // The train step's sessions up front; forward-only users (scoring, or logits for generation)
    // create the one slice graph they use on first use.
    if (opts.grad) {
      head.slices.set(kind, await FedSession.create(slice, model.weights, feeder, opts));
      head.normBackward = await FedSession.create(buildHeadNormBackwardGraph(model, { dtype: opts.dtype }), model.weights, feeder, opts);
    }
    return head;
  }

  /**
   * Summed cross-entropy over the rows, and d(loss · scale)/d(states) scattered into a
   * [N, d] array (zero outside the rows). `rows` index the flattened [N, d] states.
   */
  async lossAndGrad(states: HiddenArray, rows: readonly number[], labels: readonly bigint[], scale: number): Promise<{ lossSum: number; grad: HiddenArray }> {
    const d = this.model.spec.hiddenSize;
    const K = rows.length;
    if (K === 0) return { lossSum: 0, grad: alloc(this.dtype, states.length) };
    const x = gatherRows(states, rows, d, this.dtype);
    const st = await this.softmaxStats(await this.normed(x), labels, 'grad');
    const wLabel = embeddingRowsReader(this.head)(labels.map(Number));
    let lossSum = 0;
    const gradNormed = alloc(this.dtype, K * d);
    for (let k = 0; k < K; k++) {
      lossSum += st.max[k]! + Math.log(st.sumExp[k]!) - st.labelLogit[k]!;
      const inv = 1 / st.sumExp[k]!;
      for (let j = 0; j < d; j++) gradNormed[k * d + j] = scale * (st.expRows![k * d + j]! * inv - wLabel[k * d + j]!);
    }
    const out = await this.normBackward!.run(0, { [HEAD.rows]: tensor(this.dtype, [K, d], x), [HEAD.gradNormed]: tensor(this.dtype, [K, d], gradNormed) });
    const g = out[HEAD.gradRows]!.data as HiddenArray;
    const grad = alloc(this.dtype, states.length);
    rows.forEach((r, k) => {
      for (let j = 0; j < d; j++) grad[r * d + j] = grad[r * d + j]! + g[k * d + j]!;
    });
    return { lossSum, grad };
  }

  /** log p(label | row) for each row (evaluation). */
  async logprobs(states: HiddenArray, rows: readonly number[], labels: readonly bigint[]): Promise<Float64Array> {
    if (rows.length === 0) return new Float64Array(0);
    const st = await this.softmaxStats(await this.normed(gatherRows(states, rows, this.model.spec.hiddenSize, this.dtype)), labels, 'stats');
    return st.labelLogit.map((z, k) => z - st.max[k]! - Math.log(st.sumExp[k]!));
  }

  /** Logits [K, V] of rows `rows` of [N, d] states (generation, the playground), slice by slice. */
  async logits(states: HiddenArray, rows: readonly number[]): Promise<HiddenArray> {
    const V = this.model.spec.vocabSize;
    const out = alloc(this.dtype, rows.length * V);
    if (rows.length === 0) return out;
    await this.sweep('logits', await this.normed(gatherRows(states, rows, this.model.spec.hiddenSize, this.dtype)), undefined, (res, s0, S, r0, R) => {
      const z = res[HEAD.logits]!.data as HiddenArray;
      for (let i = 0; i < R; i++) out.set(z.subarray(i * S, (i + 1) * S), (r0 + i) * V + s0);
    });
    return out;
  }

  private async normed(x: HiddenArray): Promise<HiddenArray> {
    const d = this.model.spec.hiddenSize;
    const out = await this.norm.run(0, { [HEAD.rows]: tensor(this.dtype, [x.length / d, d], x) });
    return out[HEAD.normed]!.data as HiddenArray;
  }

  /** One pass over the vocabulary slices, combining each slice's max, Σ exp and (grad) Σ exp · W into the running totals. */
  private async softmaxStats(normed: HiddenArray, labels: readonly bigint[], kind: 'stats' | 'grad'): Promise<SoftmaxStats> {
    const d = this.model.spec.hiddenSize;
    const K = labels.length;
    const st: SoftmaxStats = { max: new Float64Array(K).fill(-Infinity), sumExp: new Float64Array(K), labelLogit: new Float64Array(K), ...(kind === 'grad' ? { expRows: new Float64Array(K * d) } : {}) };
    await this.sweep(kind, normed, labels, (res, s0, S, r0, R) => {
      const m = res[HEAD.sliceMax]!.data as HiddenArray;
      const s = res[HEAD.sliceSumExp]!.data as HiddenArray;
      const z = res[HEAD.sliceLabelLogit]!.data as HiddenArray;
      const e = kind === 'grad' ? (res[HEAD.sliceExpRows]!.data as HiddenArray) : undefined;
      for (let i = 0; i < R; i++) {
        const k = r0 + i;
        const label = Number(labels[k]!) - s0;
        if (label >= 0 && label < S) st.labelLogit[k] = z[i]!;
        // Rescale whichever side has the smaller max to the larger (exp of a non-positive number).
        const mi = m[i]!;
        const up = mi > st.max[k]!;
        const old = up ? Math.exp(st.max[k]! - mi) : 1;
        const add = up ? 1 : Math.exp(mi - st.max[k]!);
        if (up) st.max[k] = mi;
        st.sumExp[k] = st.sumExp[k]! * old + s[i]! * add;
        if (e) {
          const a = st.expRows!;
          for (let j = 0; j < d; j++) a[k * d + j] = a[k * d + j]! * old + e[i * d + j]! * add;
        }
      }
    });
    return st;
  }

  /** Runs the slice graph of `kind` over every vocabulary slice × row chunk. */
  private async sweep(kind: SliceKind, normed: HiddenArray, labels: readonly bigint[] | undefined, visit: (res: Record<string, HostTensor>, s0: number, S: number, r0: number, R: number) => void): Promise<void> {
    const { vocabSize: V, hiddenSize: d } = this.model.spec;
    const K = normed.length / d;
    let session = this.slices.get(kind);
    if (!session) {
      session = await FedSession.create(buildHeadSliceGraph(this.model, { dtype: this.dtype, kind }), this.model.weights, this.feeder, this.opts);
      this.slices.set(kind, session);
    }
    for (let s0 = 0; s0 < V; s0 += this.sliceRows) {
      const S = Math.min(this.sliceRows, V - s0);
      const w = await this.feeder.feedRows(this.head, s0, S, HEAD.slice);
      for (let r0 = 0; r0 < K; r0 += this.rowsPerChunk) {
        const R = Math.min(this.rowsPerChunk, K - r0);
        const feeds: Record<string, SessionValue> = { [HEAD.normed]: tensor(this.dtype, [R, d], normed.subarray(r0 * d, (r0 + R) * d)), [HEAD.slice]: w };
        if (labels) {
          // The label's index inside this slice, clamped into it (rows whose label is elsewhere ignore the result).
          const local = new BigInt64Array(R);
          for (let i = 0; i < R; i++) local[i] = BigInt(Math.min(S - 1, Math.max(0, Number(labels[r0 + i]!) - s0)));
          feeds[HEAD.sliceLabels] = tensor('int64', [R], local);
        }
        visit(await session.run(0, feeds), s0, S, r0, R);
      }
    }
  }

  async release(): Promise<void> {
    await this.norm.release();
    await this.normBackward?.release();
    for (const s of this.slices.values()) await s.release();
    this.slices.clear();
  }
}
