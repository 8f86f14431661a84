import { SpsError } from '../../shared/errors.js';
import { loadModel } from '../../engine/models/load_model.js';
import { readSoftPrompt } from '../../engine/tuning/prompt_file.js';
import { choiceFlag, deviceFlag, intFlag, parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const generateHelp = `sps generate --model DIR [--soft-prompt FILE] [--text "..."] --max-new-tokens N [sampling] [--dtype float32|float64] [--device D] [--json]

Continues --text (from BOS when no text) with the model, optionally with a soft prompt (a
.safetensors file with prompt_embeddings, a PEFT adapter folder, .npy or .json) in front.
Streams the text as it is generated; stops at the model's end token (or BOS, which starts a
new document) or after N new tokens.
Sampling: --temperature T (0 = greedy, the default) --top-k K --top-p P --seed S
--json prints one line {"ids": [...], "text": "...", "stopped": bool}.
--device cpu|webgpu|cuda|webgpu-software as for \`sps tune\` (float64 needs cpu).`;

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

/** Moved to the engine (shared with the app's inference service); re-exported for the CLI. */
export { streamContinuation } from '../../engine/inference/continuation.js';
import { streamContinuation } from '../../engine/inference/continuation.js';

export async function generateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    'soft-prompt': { type: 'string' },
    text: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    dtype: { type: 'string' },
    device: { type: 'string' },
    json: { type: 'boolean' },
    ...SAMPLING_FLAGS,
  }, 'generate');
  const device = await deviceFlag(values.device);
  const model = loadModel(requireFlag(values.model, 'model', 'generate'));
  const maxNewTokens = intFlag(requireFlag(values['max-new-tokens'], 'max-new-tokens', 'generate'), 'max-new-tokens', 0);
  const dtype = choiceFlag(values.dtype, 'dtype', ['float32', 'float64'] as const, 'float32');
  if (dtype === 'float64' && device !== 'cpu') throw new SpsError('INVALID_ARGUMENT', `--dtype float64 runs only on the CPU provider (GPU providers have no double kernels)`, { location: { field: '--dtype' }, hint: 'use --device cpu, or --dtype float32' });
  const sampling = samplingFrom(values);
  const prompt = values['soft-prompt'] ? readSoftPrompt(values['soft-prompt'], model.spec.hiddenSize) : undefined;
  const r = await streamContinuation(model, prompt, values.text ?? '', { maxNewTokens, dtype, provider: device, sampling, ...(values.json ? {} : { write: (d: string) => io.stdout(d) }) });
  if (values.json) io.stdout(JSON.stringify(r) + '\n');
  else io.stdout('\n');
  return 0;
}
