import { SpsError } from '../../shared/errors.js';
import { tokenizeExample } from '../../engine/data/example.js';
import { readJsonlExamples } from '../../engine/data/jsonl_examples.js';
import { checkLength } from '../../engine/graphs/feeds.js';
import { loadModel } from '../../engine/models/load_model.js';
import { readSoftPrompt, writeSoftPrompt } from '../../engine/tuning/prompt_file.js';
import { softPrompt } from '../../engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../engine/tuning/train_step_runner.js';
import { choiceFlag, deviceFlag, intFlag, parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const gradHelp = `sps grad --model DIR --soft-prompt FILE --data FILE.jsonl [--dtype float32|float64] [--batch B] [--device D] --out GRAD.safetensors

Loss and d(loss)/d(soft prompt) over every example of a JSONL file ({"input","output"} or
{"text"} per line), as the trainer computes them: token-level mean cross-entropy over the
output tokens. Prints {"loss": L, "n_label_tokens": K}; writes the gradient as the tensor
prompt_embeddings [n, hidden] (F64 with --dtype float64, else F32).
--device cpu|webgpu|cuda|webgpu-software as for \`sps tune\` (float64 needs cpu).`;

export async function gradCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    'soft-prompt': { type: 'string' },
    data: { type: 'string' },
    dtype: { type: 'string' },
    batch: { type: 'string' },
    out: { type: 'string' },
    device: { type: 'string' },
    // Output is always one JSON line; accepted for symmetry with the other commands.
    json: { type: 'boolean' },
  }, 'grad');
  const device = await deviceFlag(values.device);
  const model = loadModel(requireFlag(values.model, 'model', 'grad'));
  const prompt = readSoftPrompt(requireFlag(values['soft-prompt'], 'soft-prompt', 'grad'), model.spec.hiddenSize);
  const examples = readJsonlExamples(requireFlag(values.data, 'data', 'grad')).map((e) => tokenizeExample(model.tokenizer, e));
  const out = requireFlag(values.out, 'out', 'grad');
  const dtype = choiceFlag(values.dtype, 'dtype', ['float32', 'float64'] as const, 'float32');
  const batch = intFlag(values.batch, 'batch', 8);
  if (dtype === 'float64' && device !== 'cpu') throw new SpsError('INVALID_ARGUMENT', `--dtype float64 runs only on the CPU provider (GPU providers have no double kernels)`, { location: { field: '--dtype' }, hint: 'use --device cpu, or --dtype float32' });
  for (const ex of examples) checkLength(model.spec, prompt.numVirtualTokens, ex);
  // The plan (strategy, weights kept or streamed) is made for the batches this command runs.
  const seqLen = examples.reduce((m, e) => Math.max(m, e.ids.length), 1);
  let labelRows = 1;
  for (let k = 0; k < examples.length; k += batch) labelRows = Math.max(labelRows, examples.slice(k, k + batch).reduce((a, e) => a + e.ids.length - Math.max(e.labelStart, 1), 0));
  const runner = await TrainStepRunner.create(model, prompt.numVirtualTokens, { dtype, provider: device, workload: { batch: Math.min(batch, examples.length), seqLen, labelRows } });
  try {
    const r = await runner.lossAndGrad(prompt, examples, batch);
    writeSoftPrompt(out, softPrompt(prompt.numVirtualTokens, prompt.dim, r.grad), dtype === 'float64' ? 'F64' : 'F32');
    io.stdout(JSON.stringify({ loss: r.loss, n_label_tokens: r.numLabelTokens }) + '\n');
  } finally {
    await runner.release();
  }
  return 0;
}
