import { SpsError } from '../../shared/errors.js';
import type { LoadedModel } from '../models/load_model.js';
import type { ProviderName } from '../runtime/session.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { CachedGenerator } from './cached_generator.js';
import type { SamplingOptions } from './sampling.js';
import { stopTokenIds } from './stop_tokens.js';

export interface ContinuationOptions {
  maxNewTokens: number;
  dtype: 'float32' | 'float64';
  /** Execution provider of the generator created here (default cpu). */
  provider?: ProviderName;
  sampling: SamplingOptions & { seed?: number };
  /** Text deltas as they become printable (a multi-byte character is held back until complete). */
  write?: (delta: string) => void;
  /** Each new token id with the text it added ('' while a character is incomplete). */
  onToken?: (id: number, delta: string) => void;
  /** A generator to reuse (kept open); by default one is created and released. */
  generator?: CachedGenerator;
  /** Aborting ends the stream after the token being computed (stopped: false). */
  signal?: AbortSignal;
  /** How the caller names the text and length settings in errors (CLI flags by default). */
  fields?: { text: string; maxNewTokens: string };
}

/**
 * Continues `text` with the model (optionally behind a soft prompt), streaming the text as it
 * is generated; stops at the model's end token (or BOS), after maxNewTokens, or on abort.
 * Shared by `sps generate` / `sps infer` and the app's inference service.
 */
export async function streamContinuation(model: LoadedModel, prompt: SoftPrompt | undefined, text: string, opts: ContinuationOptions): Promise<{ ids: number[]; text: string; stopped: boolean }> {
  const fields = opts.fields ?? { text: '--text', maxNewTokens: '--max-new-tokens' };
  const inputIds = model.tokenizer.encode(text, { addSpecialTokens: true });
  if (inputIds.length === 0) inputIds.push(model.spec.bosTokenId ?? model.tokenizer.bosTokenId ?? 0);
  const n = prompt?.numVirtualTokens ?? 0;
  const context = model.spec.maxPositions;
  if (n + inputIds.length > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `the text is ${inputIds.length} tokens; with ${n} virtual tokens that exceeds the model's context of ${context}`, { location: { field: fields.text }, hint: 'use a shorter text' });
  }
  if (n + inputIds.length + opts.maxNewTokens > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `${n} virtual tokens + ${inputIds.length} text tokens + ${opts.maxNewTokens} new tokens exceed the model's context of ${context}`, {
      location: { field: fields.maxNewTokens },
      hint: `use ${fields.maxNewTokens} ${context - n - inputIds.length} or less`,
    });
  }
  const gen = opts.generator ?? (await CachedGenerator.create(model, { dtype: opts.dtype, ...(opts.provider ? { provider: opts.provider } : {}) }));
  try {
    // Decode input + new tokens and cut the decoded input, so the first new token keeps its
    // leading space (decoding new ids alone strips it, as the tokenizer's decoder does).
    const inputText = model.tokenizer.decode(inputIds, { skipSpecialTokens: true });
    const continuation = (ids: number[]) => model.tokenizer.decode([...inputIds, ...ids], { skipSpecialTokens: true }).slice(inputText.length);
    const ids: number[] = [];
    let printed = '';
    const stream = gen.stream(prompt, inputIds, { maxNewTokens: opts.maxNewTokens, stopTokenIds: stopTokenIds(model), ...opts.sampling, ...(opts.signal ? { signal: opts.signal } : {}) });
    let stopped = false;
    const streaming = opts.write !== undefined || opts.onToken !== undefined;
    for (;;) {
      const r = await stream.next();
      if (r.done) {
        stopped = r.value.stopped;
        break;
      }
      ids.push(r.value);
      let delta = '';
      if (streaming) {
        const t = continuation(ids);
        // Hold back output while a multi-byte character is incomplete.
        if (t.startsWith(printed) && !t.endsWith('\uFFFD')) {
          delta = t.slice(printed.length);
          printed = t;
        }
        if (delta !== '') opts.write?.(delta);
        opts.onToken?.(r.value, delta);
      }
    }
    const final = continuation(ids);
    if (opts.write && final.startsWith(printed) && final.length > printed.length) opts.write(final.slice(printed.length));
    return { ids, text: final, stopped };
  } finally {
    if (!opts.generator) await gen.release();
  }
}
