import { SpsError } from '../../shared/errors.js';
import { ForwardRunner } from '../../engine/inference/forward_runner.js';
import { greedyGenerate } from '../../engine/inference/generate.js';
import { loadModel } from '../../engine/models/load_model.js';
import { readSoftPrompt } from '../../engine/tuning/prompt_file.js';
import { choiceFlag, intFlag, parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const generateHelp = `sps generate --model DIR [--soft-prompt FILE] [--text "..."] --max-new-tokens N [--dtype float32|float64] [--json]

Greedy continuation of --text (from BOS when no text) with the model, optionally with a
soft prompt (a .safetensors file with prompt_embeddings, or a PEFT adapter folder) in front.
Stops at the model's end-of-sequence token or after N new tokens.
--json prints one line {"ids": [...], "text": "...", "stopped": bool}.`;

export async function generateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    'soft-prompt': { type: 'string' },
    text: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    dtype: { type: 'string' },
    json: { type: 'boolean' },
  }, 'generate');
  const model = loadModel(requireFlag(values.model, 'model', 'generate'));
  const maxNewTokens = intFlag(requireFlag(values['max-new-tokens'], 'max-new-tokens', 'generate'), 'max-new-tokens', 0);
  const dtype = choiceFlag(values.dtype, 'dtype', ['float32', 'float64'] as const, 'float32');
  const prompt = values['soft-prompt'] ? readSoftPrompt(values['soft-prompt'], model.spec.hiddenSize) : undefined;
  const inputIds = model.tokenizer.encode(values.text ?? '', { addSpecialTokens: true });
  if (inputIds.length === 0) inputIds.push(model.spec.bosTokenId ?? model.tokenizer.bosTokenId ?? 0);
  const n = prompt?.numVirtualTokens ?? 0;
  const context = model.spec.maxPositions;
  if (n + inputIds.length > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `the text is ${inputIds.length} tokens; with ${n} virtual tokens that exceeds the model's context of ${context}`, { location: { field: '--text' }, hint: 'use a shorter text' });
  }
  if (n + inputIds.length + maxNewTokens > context) {
    throw new SpsError('SEQUENCE_TOO_LONG', `${n} virtual tokens + ${inputIds.length} text tokens + ${maxNewTokens} new tokens exceed the model's context of ${context}`, {
      location: { field: '--max-new-tokens' },
      hint: `use --max-new-tokens ${context - n - inputIds.length} or less`,
    });
  }
  const runner = await ForwardRunner.create(model, n, { dtype });
  try {
    const stopTokenIds = [...new Set([...model.spec.eosTokenIds, ...model.tokenizer.eosTokenIds])];
    // Decode input + new tokens and drop the decoded input, so the first new token keeps its
    // leading space (decoding new ids alone strips it, as the tokenizer's decoder does).
    const inputText = model.tokenizer.decode(inputIds, { skipSpecialTokens: true });
    const continuation = (ids: number[]) => model.tokenizer.decode([...inputIds, ...ids], { skipSpecialTokens: true }).slice(inputText.length);
    const streamed: number[] = [];
    let printed = '';
    const { ids, stopped } = await greedyGenerate(runner, prompt, inputIds, {
      maxNewTokens,
      stopTokenIds,
      onToken: (id) => {
        if (values.json) return;
        streamed.push(id);
        const text = continuation(streamed);
        // Hold back output while a multi-byte character is incomplete.
        if (text.startsWith(printed) && !text.endsWith('\uFFFD')) {
          io.stdout(text.slice(printed.length));
          printed = text;
        }
      },
    });
    const text = continuation(ids);
    if (values.json) io.stdout(JSON.stringify({ ids, text, stopped }) + '\n');
    else io.stdout((text.startsWith(printed) ? text.slice(printed.length) : '') + '\n');
  } finally {
    await runner.release();
  }
  return 0;
}
