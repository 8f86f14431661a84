import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { classifyText, runCheckpointPrompt } from '../../engine/inference/classify_text.js';
import { predictExamples } from '../../engine/inference/predictions.js';
import { modelForJob } from '../../engine/models/chat_template.js';
import { loadModel, type LoadedModel } from '../../engine/models/load_model.js';
import { readSoftPrompt } from '../../engine/tuning/prompt_file.js';
import { readRunJob } from '../../engine/tuning/run.js';
import type { SoftPrompt } from '../../engine/tuning/soft_prompt.js';
import { choiceFlag, intFlag, parseFlags } from '../args.js';
import type { CliIO } from '../io.js';
import { SAMPLING_FLAGS, samplingFrom, streamContinuation } from './generate.js';

export const inferHelp = `sps infer [--model DIR] (--soft-prompt FILE | --run RUN [--checkpoint best|final]) (--text "..." | --data FILE) [flags]

With --text: for a classification run, the text fills the run's input template (when it has
one column) and every label is scored by its verbalizer; otherwise the model continues the
text (as sps generate; --max-new-tokens N, --temperature, --top-k, --top-p, --seed).
With --data (needs --run): batch inference over the file with the run's template and labels,
one JSON line per example, then the metrics — the same numbers as the trainer's evaluation.`;

function runPrompt(runDir: string, which: string | undefined): { prompt: SoftPrompt; which: 'best' | 'final' } {
  const w = which === undefined ? undefined : choiceFlag(which, 'checkpoint', ['best', 'final'] as const, 'best');
  return runCheckpointPrompt(runDir, w);
}

async function classifyTextCommand(io: CliIO, model: LoadedModel, job: JobConfig, prompt: SoftPrompt, text: string, json: boolean): Promise<void> {
  const r = await classifyText(model, job, prompt, text);
  const result = { input: r.input, prediction: r.prediction, scores: r.scores };
  if (json) io.stdout(JSON.stringify(result) + '\n');
  else io.stdout(`${result.prediction}\n${r.labels.map((l) => `  ${l}: log p = ${r.scores[l]!.toFixed(4)}`).join('\n')}\n`);
}

async function inferData(io: CliIO, model: LoadedModel, job: JobConfig, prompt: SoftPrompt, file: string, json: boolean): Promise<void> {
  const { metrics, examples } = await predictExamples(model, job, prompt, file);
  if (json) {
    for (const ex of examples) io.stdout(JSON.stringify({ type: 'example', ...ex }) + '\n');
    io.stdout(JSON.stringify({ type: 'metrics', examples: examples.length, metrics }) + '\n');
    return;
  }
  io.stdout(`${examples.length} examples\n`);
  for (const [k, v] of Object.entries(metrics)) io.stdout(`  ${k}: ${typeof v === 'number' ? v.toPrecision(6) : JSON.stringify(v)}\n`);
}

export async function inferCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    model: { type: 'string' },
    'soft-prompt': { type: 'string' },
    run: { type: 'string' },
    checkpoint: { type: 'string' },
    text: { type: 'string' },
    data: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    json: { type: 'boolean' },
    ...SAMPLING_FLAGS,
  }, 'infer');
  if ((values.text === undefined) === (values.data === undefined)) throw new SpsError('INVALID_ARGUMENT', 'give either --text or --data', { location: { field: '--text' } });
  if (values.run && values['soft-prompt']) throw new SpsError('INVALID_ARGUMENT', 'give --soft-prompt or --run, not both', { location: { field: '--run' } });
  const job = values.run ? readRunJob(values.run).job : undefined;
  const modelDir = values.model ?? job?.model.path;
  if (!modelDir) throw new SpsError('INVALID_ARGUMENT', '--model is required without --run', { location: { field: '--model' } });
  const model = loadModel(modelDir);
  const prompt = values.run ? runPrompt(values.run, values.checkpoint).prompt : values['soft-prompt'] ? readSoftPrompt(values['soft-prompt'], model.spec.hiddenSize) : undefined;
  if (values.data !== undefined) {
    if (!job || !prompt) throw new SpsError('INVALID_ARGUMENT', '--data needs --run (the run gives the template and labels)', { location: { field: '--data' } });
    await inferData(io, model, job, prompt, values.data, !!values.json);
    return 0;
  }
  if (job?.task.kind === 'classification' && prompt) {
    await classifyTextCommand(io, model, job, prompt, values.text!, !!values.json);
    return 0;
  }
  const maxNewTokens = intFlag(values['max-new-tokens'], 'max-new-tokens', 64, 0);
  const r = await streamContinuation(job ? modelForJob(model, job) : model, prompt, values.text!, { maxNewTokens, dtype: 'float32', sampling: samplingFrom(values), ...(values.json ? {} : { write: (d: string) => io.stdout(d) }) });
  io.stdout(values.json ? JSON.stringify(r) + '\n' : '\n');
  return 0;
}
