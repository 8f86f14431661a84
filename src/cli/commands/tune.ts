import { SpsError } from '../../shared/errors.js';
import { JOB_DEFAULTS, type JobConfig, type PrecisionKind, type TaskConfig } from '../../shared/job.js';
import { readJsonFile } from '../../engine/files.js';
import { builtinModelDir } from '../../engine/models/builtin.js';
import { checkJob, createRun } from '../../engine/tuning/run.js';
import { requireProvider } from '../../engine/runtime/providers.js';
import { parseFlags, requireFlag } from '../args.js';
import { followRun } from '../follow_run.js';
import type { CliIO } from '../io.js';

export const tuneHelp = `sps tune [--model DIR] --data FILE [--val FILE] --task classification|generation|lm --out RUN_DIR [flags]
         sps tune --config job.json --out RUN_DIR [flags that override it]

Model:
  --model DIR            a Hugging Face model folder (default: the built-in stories260K)
Task and data:
  --input-template T     e.g. "Review: {text}\\nSentiment:" (classification default "{text}", generation "{input}")
  --output-template T    generation target (default "{output}")
  --label-column C       classification label column (default "label")
  --labels a,b,...       the label set (default: labels seen in the data)
  --verbalizers JSON     label → text, e.g. '{"pos":" good","neg":" bad"}' (default " <label>")
  --text-column C        language-modelling text column (default "text")
  --chat-template        build each input with the model's chat template (instruct models:
                         the filled input template is the user message, the assistant turn opened)
  --format F             csv|tsv|jsonl|json|parquet|text (default: from the extension)
  --val-fraction R       validation share split from --data when no --val (default 0.1)
Prompt:
  --virtual-tokens N     (default 20)   --init random|vocab|text|labels|FILE   --init-text S
Training:
  --lr LR (0.03)  --steps N | --epochs N  --batch B (8)  --grad-accum K (1)  --warmup-ratio R (0.06)
  --schedule constant|linear|cosine (linear)  --weight-decay W (0)  --max-grad-norm G (1)
  --max-length L (256)  --eval-every N (50)  --checkpoint-every N (50)  --patience P (0: off)
  --generation-eval-examples N  exact match / token F1 during training on the first N
                         validation examples only (default: all; the last evaluation uses all)
  --metric NAME (accuracy / val_loss)  --seed S (42)  --append-eos  --device cpu|webgpu|cuda|webgpu-software (cpu; webgpu and cuda experimental)
  --precision auto|fp32|fp16 (auto: fp16 on a GPU with half-precision support, else fp32)
Output:
  --json                 JSON-lines events instead of text

The run folder holds job.json, state.json, metrics.jsonl, checkpoints/, best/ and final/.
Ctrl-C saves a checkpoint and stops; \`sps resume RUN_DIR\` continues.`;

/** The data and task flags, shared with `sps validate`. */
export const TASK_FLAGS = {
  data: { type: 'string' },
  val: { type: 'string' },
  format: { type: 'string' },
  task: { type: 'string' },
  'input-template': { type: 'string' },
  'output-template': { type: 'string' },
  'label-column': { type: 'string' },
  labels: { type: 'string' },
  verbalizers: { type: 'string' },
  'text-column': { type: 'string' },
  'chat-template': { type: 'boolean' },
} as const;

const FLAGS = {
  ...TASK_FLAGS,
  config: { type: 'string' },
  model: { type: 'string' },
  'val-fraction': { type: 'string' },
  'generation-eval-examples': { type: 'string' },
  'virtual-tokens': { type: 'string' },
  init: { type: 'string' },
  'init-text': { type: 'string' },
  lr: { type: 'string' },
  steps: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  'grad-accum': { type: 'string' },
  'warmup-ratio': { type: 'string' },
  schedule: { type: 'string' },
  'weight-decay': { type: 'string' },
  'max-grad-norm': { type: 'string' },
  'max-length': { type: 'string' },
  'eval-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  patience: { type: 'string' },
  metric: { type: 'string' },
  seed: { type: 'string' },
  'append-eos': { type: 'boolean' },
  device: { type: 'string' },
  precision: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = Partial<Record<keyof typeof FLAGS, string | boolean>>;

function num(v: string | boolean | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new SpsError('INVALID_ARGUMENT', `--${flag} must be a number, got "${String(v)}"`, { location: { field: `--${flag}` } });
  return n;
}

function taskFrom(v: Values, base: TaskConfig | undefined): TaskConfig {
  const kind = (v.task as string | undefined) ?? base?.kind;
  if (kind === undefined) throw new SpsError('INVALID_ARGUMENT', '--task is required', { location: { field: '--task' }, hint: 'one of classification, generation, lm' });
  const str = (k: keyof Values) => v[k] as string | undefined;
  // --chat-template, or the --config job's choice.
  const chat = (b: { chatTemplate?: boolean } | undefined) => ((v['chat-template'] as boolean | undefined) ?? b?.chatTemplate ? { chatTemplate: true } : {});
  switch (kind) {
    case 'classification': {
      const b = base?.kind === 'classification' ? base : undefined;
      let verbalizers = b?.verbalizers;
      if (str('verbalizers')) {
        try {
          verbalizers = JSON.parse(str('verbalizers')!) as Record<string, string>;
        } catch (e) {
          throw new SpsError('INVALID_ARGUMENT', `--verbalizers is not valid JSON (${(e as Error).message})`, { location: { field: '--verbalizers' }, hint: `e.g. '{"happy": " happy", "sad": " sad"}'` });
        }
      }
      const labels = str('labels') ? str('labels')!.split(',').map((s) => s.trim()) : b?.labels;
      return { kind, inputTemplate: str('input-template') ?? b?.inputTemplate ?? '{text}', labelColumn: str('label-column') ?? b?.labelColumn ?? 'label', ...(labels ? { labels } : {}), ...(verbalizers ? { verbalizers } : {}), ...chat(b) };
    }
    case 'generation': {
      const b = base?.kind === 'generation' ? base : undefined;
      return { kind, inputTemplate: str('input-template') ?? b?.inputTemplate ?? '{input}', outputTemplate: str('output-template') ?? b?.outputTemplate ?? '{output}', ...chat(b) };
    }
    case 'lm': {
      if (v['chat-template']) throw new SpsError('INVALID_ARGUMENT', '--chat-template needs a classification or generation task (a language-modelling text has no input to wrap)', { location: { field: '--chat-template' } });
      const b = base?.kind === 'lm' ? base : undefined;
      return { kind, textColumn: str('text-column') ?? b?.textColumn ?? 'text' };
    }
    default:
      throw new SpsError('INVALID_ARGUMENT', `--task must be classification, generation or lm, got "${kind}"`, { location: { field: '--task' } });
  }
}

/** Flags over an optional --config job over the defaults: one job vocabulary for CLI and app. */
export function jobFromFlags(v: Values): JobConfig {
  const base = v.config ? (readJsonFile(v.config as string, 'job config') as Partial<JobConfig>) : undefined;
  const d = JOB_DEFAULTS;
  const bt: Partial<JobConfig['training']> = base?.training ?? {};
  const init = (v.init as string | undefined) ?? base?.prompt?.init ?? d.prompt.init;
  const initIsFile = !['random', 'vocab', 'text', 'labels', 'file'].includes(init);
  const steps = num(v.steps, 'steps');
  const epochs = num(v.epochs, 'epochs');
  const job: JobConfig = {
    version: 1,
    model: { path: (v.model as string | undefined) ?? base?.model?.path ?? builtinModelDir() },
    data: {
      train: (v.data as string | undefined) ?? base?.data?.train ?? requireFlag(undefined, 'data', 'tune'),
      ...((v.val ?? base?.data?.validation) ? { validation: (v.val as string | undefined) ?? base!.data!.validation! } : {}),
      validationFraction: num(v['val-fraction'], 'val-fraction') ?? base?.data?.validationFraction ?? d.data.validationFraction,
      ...((v.format ?? base?.data?.format) ? { format: ((v.format as string | undefined) ?? base!.data!.format) as JobConfig['data']['format'] } : {}),
      ...(base?.data?.textMode ? { textMode: base.data.textMode } : {}),
    },
    task: taskFrom(v, base?.task),
    prompt: {
      numVirtualTokens: num(v['virtual-tokens'], 'virtual-tokens') ?? base?.prompt?.numVirtualTokens ?? d.prompt.numVirtualTokens,
      init: (initIsFile ? 'file' : init) as JobConfig['prompt']['init'],
      ...((v['init-text'] ?? base?.prompt?.initText) ? { initText: (v['init-text'] as string | undefined) ?? base!.prompt!.initText! } : {}),
      ...(initIsFile ? { initFile: init } : base?.prompt?.initFile ? { initFile: base.prompt.initFile } : {}),
    },
    training: {
      ...d.training,
      ...bt,
      ...(steps !== undefined ? { steps } : {}),
      ...(epochs !== undefined ? { epochs } : {}),
      learningRate: num(v.lr, 'lr') ?? bt.learningRate ?? d.training.learningRate,
      batchSize: num(v.batch, 'batch') ?? bt.batchSize ?? d.training.batchSize,
      gradAccum: num(v['grad-accum'], 'grad-accum') ?? bt.gradAccum ?? d.training.gradAccum,
      warmupRatio: num(v['warmup-ratio'], 'warmup-ratio') ?? bt.warmupRatio ?? d.training.warmupRatio,
      schedule: ((v.schedule as string | undefined) ?? bt.schedule ?? d.training.schedule) as JobConfig['training']['schedule'],
      weightDecay: num(v['weight-decay'], 'weight-decay') ?? bt.weightDecay ?? d.training.weightDecay,
      maxGradNorm: num(v['max-grad-norm'], 'max-grad-norm') ?? bt.maxGradNorm ?? d.training.maxGradNorm,
      maxLength: num(v['max-length'], 'max-length') ?? bt.maxLength ?? d.training.maxLength,
      evalEvery: num(v['eval-every'], 'eval-every') ?? bt.evalEvery ?? d.training.evalEvery,
      checkpointEvery: num(v['checkpoint-every'], 'checkpoint-every') ?? bt.checkpointEvery ?? d.training.checkpointEvery,
      patience: num(v.patience, 'patience') ?? bt.patience ?? d.training.patience,
      seed: num(v.seed, 'seed') ?? bt.seed ?? d.training.seed,
      appendEos: (v['append-eos'] as boolean | undefined) ?? bt.appendEos ?? d.training.appendEos,
      ...((v.metric ?? bt.metric) ? { metric: (v.metric as string | undefined) ?? bt.metric! } : {}),
      ...((v['generation-eval-examples'] ?? bt.generationEvalExamples) !== undefined
        ? { generationEvalExamples: num(v['generation-eval-examples'], 'generation-eval-examples') ?? bt.generationEvalExamples! }
        : {}),
    },
    device: ((v.device as string | undefined) ?? base?.device ?? d.device) as JobConfig['device'],
    ...((v.precision ?? base?.precision) ? { precision: ((v.precision as string | undefined) ?? base?.precision) as PrecisionKind } : {}),
  };
  if (steps !== undefined && epochs === undefined) delete job.training.epochs;
  if (epochs !== undefined && steps === undefined) delete job.training.steps;
  if (job.training.steps === undefined && job.training.epochs === undefined) job.training.epochs = 3;
  return checkJob(job, (v.config as string | undefined) ?? 'command line');
}

export async function tuneCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'tune');
  const out = requireFlag(values.out, 'out', 'tune');
  const job = jobFromFlags(values as Values);
  // Refused here, before the run folder exists, when the device cannot run on this machine.
  await requireProvider(job.device);
  createRun(out, job);
  return followRun(out, { resume: false, json: !!values.json, io, tty: !values.json && process.stdout.isTTY === true });
}
