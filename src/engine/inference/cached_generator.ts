import { SpsError } from '../../shared/errors.js';
import { buildDecodeGraph, DECODE } from '../graphs/decode.js';
import { LayerwiseDecoder } from '../layerwise/cached_decoder.js';
import { chooseInference } from '../layerwise/device_plan.js';
import type { StepStrategy } from '../layerwise/strategy.js';
import type { LoadedModel } from '../models/load_model.js';
import { createModelSession } from '../runtime/model_session.js';
import { tensor, type GraphSession, type HostTensor, type ProviderName } from '../runtime/session.js';
import { Rng } from '../tuning/rng.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { checkSampling, sampleToken, type SamplingOptions } from './sampling.js';

export interface StreamOptions extends SamplingOptions {
  maxNewTokens: number;
  stopTokenIds?: readonly number[];
  seed?: number;
  /** Aborting ends the stream after the token being computed; the session stays usable. */
  signal?: AbortSignal;
}

/**
 * Generation with a key/value cache: one prefill pass over prompt + input, then one pass per
 * new token over that token alone. The session is reused across generations; `release` frees it.
 */
export class CachedGenerator {
  private constructor(
    readonly model: LoadedModel,
    readonly dtype: 'float32' | 'float64',
    private readonly session: GraphSession | LayerwiseDecoder,
  ) {}

  /** A whole-model decode graph, or layer by layer when that would not fit (chooseInferenceStrategy). */
  static async create(model: LoadedModel, opts: { dtype: 'float32' | 'float64'; provider?: ProviderName; strategy?: StepStrategy | 'auto'; hostWeightBudget?: number }): Promise<CachedGenerator> {
    const { strategy, ...budget } = chooseInference(model, opts);
    const sessionOpts = { dtype: opts.dtype, ...(opts.provider ? { provider: opts.provider } : {}), ...budget };
    if (strategy === 'layerwise') return new CachedGenerator(model, opts.dtype, await LayerwiseDecoder.create(model, sessionOpts));
    const graph = buildDecodeGraph(model, { dtype: opts.dtype });
    const session = await createModelSession(graph, model.dir, sessionOpts);
    return new CachedGenerator(model, opts.dtype, session);
  }

  /** Bytes of the key/value cache after `positions` positions (prompt, input and new tokens). */
  cacheBytes(positions: number): number {
    const s = this.model.spec;
    return 2 * s.numLayers * s.numKvHeads * positions * s.headDim * (this.dtype === 'float32' ? 4 : 8);
  }

  /** One pass: the prefix rows and ids after the cached positions → last logits and the new cache. */
  private async pass(prefix: HostTensor, ids: readonly number[], past: HostTensor[]): Promise<{ logits: ArrayLike<number>; cache: HostTensor[] }> {
    const L = this.model.spec.numLayers;
    if (this.session instanceof LayerwiseDecoder) return this.session.pass(prefix.data as Float32Array | Float64Array, prefix.dims[1]!, ids, past);
    const feeds: Record<string, HostTensor> = { [DECODE.ids]: tensor('int64', [1, ids.length], BigInt64Array.from(ids.map(BigInt))), [DECODE.prefix]: prefix };
    for (let i = 0; i < L; i++) {
      feeds[DECODE.pastKey(i)] = past[2 * i]!;
      feeds[DECODE.pastValue(i)] = past[2 * i + 1]!;
    }
    const out = await this.session.run(feeds);
    const cache: HostTensor[] = [];
    for (let i = 0; i < L; i++) cache.push(out[DECODE.presentKey(i)]!, out[DECODE.presentValue(i)]!);
    return { logits: out[DECODE.logits]!.data as Float32Array | Float64Array, cache };
  }

  private floats(n: number, from?: Float64Array): HostTensor['data'] {
    if (this.dtype === 'float64') return from ? Float64Array.from(from) : new Float64Array(n);
    return from ? Float32Array.from(from) : new Float32Array(n);
  }

  /** Yields new token ids one by one; ends at a stop token, maxNewTokens, or an abort. */
  async *stream(prompt: SoftPrompt | undefined, inputIds: readonly number[], opts: StreamOptions): AsyncGenerator<number, { stopped: boolean }> {
    checkSampling(opts);
    const spec = this.model.spec;
    const n = prompt?.numVirtualTokens ?? 0;
    if (inputIds.length === 0) throw new SpsError('INVALID_ARGUMENT', 'generation needs at least one input token (e.g. BOS)');
    if (n + inputIds.length + opts.maxNewTokens > spec.maxPositions) {
      throw new SpsError('SEQUENCE_TOO_LONG', `${n} virtual tokens + ${inputIds.length} input tokens + ${opts.maxNewTokens} new tokens exceed the model's context of ${spec.maxPositions}`, { hint: 'use fewer new tokens or a shorter input' });
    }
    const rng = Rng.fromSeed(opts.seed ?? 0);
    const kvShape = (p: number) => [1, spec.numKvHeads, p, spec.headDim];
    let past: HostTensor[] = [];
    for (let i = 0; i < spec.numLayers; i++) past.push(tensor(this.dtype, kvShape(0), this.floats(0)), tensor(this.dtype, kvShape(0), this.floats(0)));
    let ids = [...inputIds];
    let prefix = prompt ? tensor(this.dtype, [1, n, prompt.dim], this.floats(0, prompt.data)) : tensor(this.dtype, [1, 0, spec.hiddenSize], this.floats(0));
    for (let step = 0; step < opts.maxNewTokens; step++) {
      if (opts.signal?.aborted) return { stopped: false };
      const out = await this.pass(prefix, ids, past);
      const next = sampleToken(out.logits, 0, spec.vocabSize, opts, rng);
      past = out.cache;
      ids = [next];
      prefix = tensor(this.dtype, [1, 0, spec.hiddenSize], this.floats(0));
      yield next;
      if (opts.stopTokenIds?.includes(next)) return { stopped: true };
    }
    return { stopped: false };
  }

  /** Runs a stream to its end and collects the ids. */
  async generate(prompt: SoftPrompt | undefined, inputIds: readonly number[], opts: StreamOptions): Promise<{ ids: number[]; stopped: boolean }> {
    const ids: number[] = [];
    const it = this.stream(prompt, inputIds, opts);
    for (;;) {
      const r = await it.next();
      if (r.done) return { ids, stopped: r.value.stopped };
      ids.push(r.value);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
