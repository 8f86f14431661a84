import { SpsError } from '../../shared/errors.js';
import { CachedGenerator } from '../../engine/inference/cached_generator.js';
import { stopTokenIds } from '../../engine/inference/stop_tokens.js';
import { loadModel, type LoadedModel } from '../../engine/models/load_model.js';
import { readSoftPrompt } from '../../engine/tuning/prompt_file.js';
import type { SoftPrompt } from '../../engine/tuning/soft_prompt.js';
import { choiceFlag, intFlag, parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const generateHelp = `sps generate --model DIR [--soft-prompt FILE] [--text "..."] --max-new-tokens N [sampling] [--dtype float32|float64] [--json]

Continues --text (from BOS when no text) with the model, optionally with a soft prompt (a
.safetensors file with prompt_embeddings, a PEFT adapter folder, .npy or .json) in front.
Streams the text as it is generated; stops at the model's end token (or BOS, which starts a
new document) or after N new tokens.
Sampling: --temperature T (0 = greedy, the default) --top-k K --top-p P --seed S
--json prints one line {"ids": [...], "text": "...", "stopped": bool}.`;

export const SAMPLING_FLAGS = {
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
} as const;

export function samplingFrom(values: { temperature?: string; 'top-k'?: string; 'top-p'?: string; seed?: string }): { temperature?: number; topK?: number; topP?: number; seed?: number } {
  const num = (v: string | undefined, flag: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new SpsError('INVALID_ARGUMENT', `--${flag} must be a number, got "${v}"`, { location: { field: `--${flag}` } });
    return n;
  };
  const out: { temperature?: number; topK?: number; topP?: number; seed?: number } = {};
  const t = num(values.temperature, 'temperature');
  const k = num(values['top-k'], 'top-k');
  const p = num(values['top-p'], 'top-p');
  const s = num(values.seed, 'seed');
  if (t !== undefined) out.temperature = t;
  if (k !== undefined) out.topK = k;
  if (p !== undefined) out.topP = p;
  if (s !== undefined) out.seed = s;
  return out;
}

/** Streams a continuation to `write` (text deltas) and returns the ids. */
export async function streamContinuation(model: LoadedModel, prompt: SoftPrompt | undefined, text: string, opts: { maxNewTokens: number; dtype: 'float32' | 'float64'; sampling: ReturnType<typeof samplingFrom>; write?: (delta: string) => void }): Promise<{ ids: number[]; text: string; stopped: boolean }> {
  const inputIds = model.tokenizer.encode(text, { addSpecialTokens: true });
  if (inputIds.length === 0) inputIds.push(model.spec.bosTokenId ?? model.tokenizer.bosTokenId ?? 0);
  const n = prompt?.numVirtualTokens ?? 0;
  const context = model.spec.maxPositions;
  if (n + inputIds.length > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `the text is ${inputIds.length} tokens; with ${n} virtual tokens that exceeds the model's context of ${context}`, { location: { field: '--text' }, hint: 'use a shorter text' });
  }
  if (n + inputIds.length + opts.maxNewTokens > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `${n} virtual tokens + ${inputIds.length} text tokens + ${opts.maxNewTokens} new tokens exceed the model's context of ${context}`, {
      location: { field: '--max-new-tokens' },
      hint: `use --max-new-tokens ${context - n - inputIds.length} or less`,
    });
  }
  const gen = await CachedGenerator.create(model, { dtype: opts.dtype });
  try {
    // Decode input + new tokens and cut the decoded input, so the first new token keeps its
    // leading space (decoding new ids alone strips it, as the tokenizer's decoder does).
    const inputText = model.tokenizer.decode(inputIds, { skipSpecialTokens: true });
    const continuation = (ids: number[]) => model.tokenizer.decode([...inputIds, ...ids], { skipSpecialTokens: true }).slice(inputText.length);
    const ids: number[] = [];
    let printed = '';
    const stream = gen.stream(prompt, inputIds, { maxNewTokens: opts.maxNewTokens, stopTokenIds: stopTokenIds(model), ...opts.sampling });
    let stopped = false;
    for (;;) {
      const r = await stream.next();
      if (r.done) {
        stopped = r.value.stopped;
        break;
      }
      ids.push(r.value);
      if (opts.write) {
        const t = continuation(ids);
        // Hold back output while a multi-byte character is incomplete.
        if (t.startsWith(printed) && !t.endsWith('\uFFFD')) {
          opts.write(t.slice(printed.length));
          printed = t;
        }
      }
    }
    const final = continuation(ids);
    if (opts.write && final.startsWith(printed)) opts.write(final.slice(printed.length));
    return { ids, text: final, stopped };
  } finally {
    await gen.release();
  }
}

export async function generateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    'soft-prompt': { type: 'string' },
    text: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    dtype: { type: 'string' },
    json: { type: 'boolean' },
    ...SAMPLING_FLAGS,
  }, 'generate');
  const model = loadModel(requireFlag(values.model, 'model', 'generate'));
  const maxNewTokens = intFlag(requireFlag(values['max-new-tokens'], 'max-new-tokens', 'generate'), 'max-new-tokens', 0);
  const dtype = choiceFlag(values.dtype, 'dtype', ['float32', 'float64'] as const, 'float32');
  const sampling = samplingFrom(values);
  const prompt = values['soft-prompt'] ? readSoftPrompt(values['soft-prompt'], model.spec.hiddenSize) : undefined;
  const r = await streamContinuation(model, prompt, values.text ?? '', { maxNewTokens, dtype, sampling, ...(values.json ? {} : { write: (d: string) => io.stdout(d) }) });
  if (values.json) io.stdout(JSON.stringify(r) + '\n');
  else io.stdout('\n');
  return 0;
}
