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
  const runner = await ForwardRunner.create(model, prompt?.numVirtualTokens ?? 0, { dtype });
  try {
    const stopTokenIds = [...new Set([...model.spec.eosTokenIds, ...model.tokenizer.eosTokenIds])];
    const streamed: number[] = [];
    let printed = '';
    const { ids, stopped } = await greedyGenerate(runner, prompt, inputIds, {
      maxNewTokens,
      stopTokenIds,
      onToken: (id) => {
        if (values.json) return;
        // Print the text as it grows; decoding the whole tail keeps multi-byte characters whole.
        streamed.push(id);
        const text = model.tokenizer.decode(streamed, { skipSpecialTokens: true });
        if (text.startsWith(printed) && !text.endsWith('\uFFFD')) {
          io.stdout(text.slice(printed.length));
          printed = text;
        }
      },
    });
    const text = model.tokenizer.decode(ids, { skipSpecialTokens: true });
    if (values.json) io.stdout(JSON.stringify({ ids, text, stopped }) + '\n');
    else io.stdout(text.slice(printed.length) + '\n');
  } finally {
    await runner.release();
  }
  return 0;
}
