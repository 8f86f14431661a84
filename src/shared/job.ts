/**
 * The job configuration: one vocabulary for the desktop wizard, `sps tune` flags and the
 * run's job.json. Pure data plus a validator that names each bad field.
 */
export type TaskKind = 'classification' | 'generation' | 'lm';
export type InitKind = 'random' | 'vocab' | 'text' | 'labels' | 'file';
export type ScheduleKind = 'constant' | 'linear' | 'cosine';
/** `webgpu-software`: WebGPU allowed on a software adapter (lavapipe …), only when asked for by name. */
export type DeviceKind = 'cpu' | 'cuda' | 'dml' | 'webgpu' | 'webgpu-software';
export const DEVICE_KINDS: readonly DeviceKind[] = ['cpu', 'cuda', 'dml', 'webgpu', 'webgpu-software'];
export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'text';

/**
 * `chatTemplate`: build each input with the model's chat template (the filled input template as
 * the user message, the assistant turn opened; src/engine/models/chat_template.ts).
 */
export type TaskConfig =
  | { kind: 'classification'; inputTemplate: string; labelColumn: string; labels?: string[]; verbalizers?: Record<string, string>; chatTemplate?: boolean }
  | { kind: 'generation'; inputTemplate: string; outputTemplate: string; chatTemplate?: boolean }
  | { kind: 'lm'; textColumn: string };

export interface JobConfig {
  version: 1;
  name?: string;
  model: { path: string };
  data: {
    train: string;
    /** A separate validation file; otherwise `validationFraction` of train is split off (seeded). */
    validation?: string;
    validationFraction: number;
    format?: DataFormat;
    /** Plain-text files: one example per line, or the whole file chunked (language modelling). */
    textMode?: 'lines' | 'chunks';
  };
  task: TaskConfig;
  prompt: { numVirtualTokens: number; init: InitKind; initText?: string; initFile?: string };
  training: {
    learningRate: number;
    /** Optimizer steps; when absent, `epochs` decides. */
    steps?: number;
    epochs?: number;
    batchSize: number;
    gradAccum: number;
    warmupRatio: number;
    schedule: ScheduleKind;
    weightDecay: number;
    maxGradNorm: number;
    /** Tokens per example (input + output); longer examples are truncated. */
    maxLength: number;
    evalEvery: number;
    checkpointEvery: number;
    /** Stop after this many evaluations without improvement (0: never). */
    patience: number;
    /** Metric for best checkpoint and early stopping; default per task. */
    metric?: string;
    seed: number;
    /** Abort after this many consecutive non-finite steps. */
    maxConsecutiveSkips: number;
    /** Append the tokenizer's end-of-sequence token to each output. */
    appendEos: boolean;
    evalBatchSize: number;
    /**
     * Generation tasks: exact match / token F1 during training on the first N validation
     * examples only, for speed (absent: every example). Shown as "on N of M examples"; the
     * last evaluation, `sps eval` and `sps infer --data` always use every example.
     */
    generationEvalExamples?: number;
  };
  device: DeviceKind;
  /**
   * Compute precision: 'fp16' runs the graphs in mixed precision (float16 matrix products,
   * float32 softmax / statistics / loss, float32 master prompt and optimizer, dynamic loss
   * scaling); 'auto' (the default when absent) is fp16 on a GPU that supports it, else fp32.
   */
  precision?: PrecisionKind;
}

export type PrecisionKind = 'auto' | 'fp32' | 'fp16';
export const PRECISION_KINDS: readonly PrecisionKind[] = ['auto', 'fp32', 'fp16'];

/**
 * What a job's precision means on its device: fp16 where asked for, or for 'auto' on a real GPU
 * whose provider runs half precision (a software WebGPU adapter stays fp32: no faster in half).
 */
export function resolvePrecision(precision: PrecisionKind | undefined, device: DeviceKind, deviceHasFp16: boolean): 'fp32' | 'fp16' {
  if (precision === 'fp16' || precision === 'fp32') return precision;
  return deviceHasFp16 && (device === 'webgpu' || device === 'cuda') ? 'fp16' : 'fp32';
}

export const JOB_DEFAULTS = {
  data: { validationFraction: 0.1 },
  prompt: { numVirtualTokens: 20, init: 'random' as InitKind },
  training: {
    learningRate: 0.03,
    batchSize: 8,
    gradAccum: 1,
    warmupRatio: 0.06,
    schedule: 'linear' as ScheduleKind,
    weightDecay: 0,
    maxGradNorm: 1,
    maxLength: 256,
    evalEvery: 50,
    checkpointEvery: 50,
    patience: 0,
    seed: 42,
    maxConsecutiveSkips: 5,
    appendEos: false,
    evalBatchSize: 16,
  },
  device: 'cpu' as DeviceKind,
};

/** The metric a task optimises by default, and whether higher is better. */
export function defaultMetric(task: TaskKind): { name: string; higherIsBetter: boolean } {
  return task === 'classification' ? { name: 'accuracy', higherIsBetter: true } : { name: 'val_loss', higherIsBetter: false };
}

export function metricDirection(name: string): boolean {
  return !/loss|perplexity/.test(name);
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * Validates a parsed job config; every problem names its field path. Fields are read as own
 * properties only (a prototype's `constructor` is not a field), and a field the schema does not
 * know is refused (`unknownFields: 'refuse'`, the default) so that nothing unchecked reaches
 * job.json; reading an existing run ignores them instead.
 */
export function validateJob(value: unknown, opts: { unknownFields?: 'refuse' | 'ignore' } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const err = (field: string, message: string) => errs.push({ field, message });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ field: '', message: 'the job config must be a JSON object' }];
  const j = value as Record<string, unknown>;
  /** Every object checked, with the fields the checks below know. */
  const seen = new Map<Record<string, unknown>, { path: string; keys: Set<string> }>();
  const known = (o: Record<string, unknown>, path: string, ...keys: string[]) => {
    let entry = seen.get(o);
    if (!entry) seen.set(o, (entry = { path, keys: new Set() }));
    for (const k of keys) entry.keys.add(k);
  };
  const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
  known(j, '', 'version', 'name');
  const obj = (k: string): Record<string, unknown> => {
    known(j, '', k);
    const v = own(j, k);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      err(k, 'is required and must be an object');
      return {};
    }
    return v as Record<string, unknown>;
  };
  const str = (o: Record<string, unknown>, path: string, k: string, required = true) => {
    known(o, path, k);
    const v = own(o, k);
    if (v === undefined) {
      if (required) err(`${path}.${k}`, 'is required');
    } else if (typeof v !== 'string' || v === '') err(`${path}.${k}`, 'must be a non-empty string');
  };
  const num = (o: Record<string, unknown>, path: string, k: string, min: number, max = Infinity, integer = false, required = true) => {
    known(o, path, k);
    const v = own(o, k);
    if (v === undefined) {
      if (required) err(`${path}.${k}`, 'is required');
      return;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      err(`${path}.${k}`, `must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max === Infinity ? '∞' : max}], got ${JSON.stringify(v)}`);
    }
  };
  const oneOf = (o: Record<string, unknown>, path: string, k: string, choices: readonly string[], required = true) => {
    known(o, path, k);
    const v = own(o, k);
    if (v === undefined) {
      if (required) err(`${path}.${k}`, `is required (one of ${choices.join(', ')})`);
    } else if (typeof v !== 'string' || !choices.includes(v)) err(`${path}.${k}`, `must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  };

  if (own(j, 'name') !== undefined && typeof j.name !== 'string') err('name', 'must be a string');
  if (j.version !== 1) err('version', 'must be 1');
  str(obj('model'), 'model', 'path');
  const data = obj('data');
  str(data, 'data', 'train');
  str(data, 'data', 'validation', false);
  num(data, 'data', 'validationFraction', 0, 0.9);
  if (data.validation === undefined && data.validationFraction === 0) err('data.validationFraction', 'must be above 0 without a validation file (give data.validation, or e.g. 0.1)');
  oneOf(data, 'data', 'format', ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'text'], false);
  oneOf(data, 'data', 'textMode', ['lines', 'chunks'], false);
  const task = obj('task');
  oneOf(task, 'task', 'kind', ['classification', 'generation', 'lm']);
  if (task.kind === 'classification') {
    str(task, 'task', 'inputTemplate');
    str(task, 'task', 'labelColumn');
    if (task.labels !== undefined && (!Array.isArray(task.labels) || task.labels.length < 2 || task.labels.some((l) => typeof l !== 'string' || l === ''))) {
      err('task.labels', 'must be a list of at least two non-empty label names');
    }
  } else if (task.kind === 'generation') {
    str(task, 'task', 'inputTemplate');
    str(task, 'task', 'outputTemplate');
  } else if (task.kind === 'lm') {
    str(task, 'task', 'textColumn');
  }
  // A task switched in the wizard may keep another kind's fields: known, checked when used.
  known(task, 'task', 'inputTemplate', 'labelColumn', 'labels', 'verbalizers', 'outputTemplate', 'textColumn', 'chatTemplate');
  const chat = own(task, 'chatTemplate');
  if (chat !== undefined && typeof chat !== 'boolean') err('task.chatTemplate', 'must be true or false');
  if (chat === true && task.kind === 'lm') err('task.chatTemplate', 'a language-modelling task has no input to put in a chat template');
  const verbalizers = own(task, 'verbalizers');
  if (verbalizers !== undefined && (typeof verbalizers !== 'object' || verbalizers === null || Array.isArray(verbalizers) || Object.values(verbalizers).some((v) => typeof v !== 'string'))) {
    err('task.verbalizers', 'must map each label to its verbalizer text');
  }
  const prompt = obj('prompt');
  num(prompt, 'prompt', 'numVirtualTokens', 1, 4096, true);
  oneOf(prompt, 'prompt', 'init', ['random', 'vocab', 'text', 'labels', 'file']);
  if (prompt.init === 'text') str(prompt, 'prompt', 'initText');
  if (prompt.init === 'file') str(prompt, 'prompt', 'initFile');
  known(prompt, 'prompt', 'initText', 'initFile');
  if (prompt.init === 'labels' && task.kind !== 'classification') err('prompt.init', '"labels" initialisation needs a classification task');
  const t = obj('training');
  num(t, 'training', 'learningRate', 1e-8, 100);
  num(t, 'training', 'steps', 1, 1e9, true, false);
  num(t, 'training', 'epochs', 0.001, 1e6, false, false);
  if (t.steps === undefined && t.epochs === undefined) err('training.steps', 'give training.steps or training.epochs');
  num(t, 'training', 'batchSize', 1, 65536, true);
  num(t, 'training', 'gradAccum', 1, 65536, true);
  num(t, 'training', 'warmupRatio', 0, 1);
  oneOf(t, 'training', 'schedule', ['constant', 'linear', 'cosine']);
  num(t, 'training', 'weightDecay', 0, 10);
  num(t, 'training', 'maxGradNorm', 0, 1e9);
  num(t, 'training', 'maxLength', 2, 1e7, true);
  num(t, 'training', 'evalEvery', 1, 1e9, true);
  num(t, 'training', 'checkpointEvery', 1, 1e9, true);
  num(t, 'training', 'patience', 0, 1e9, true);
  num(t, 'training', 'seed', 0, 2 ** 32 - 1, true);
  num(t, 'training', 'maxConsecutiveSkips', 1, 1e9, true);
  num(t, 'training', 'evalBatchSize', 1, 65536, true);
  num(t, 'training', 'generationEvalExamples', 1, 1e9, true, false);
  known(t, 'training', 'appendEos', 'metric');
  if (typeof t.appendEos !== 'boolean') err('training.appendEos', 'must be true or false');
  if (t.metric !== undefined && typeof t.metric !== 'string') err('training.metric', 'must be a metric name');
  oneOf(j, 'job', 'device', DEVICE_KINDS);
  oneOf(j, 'job', 'precision', PRECISION_KINDS, false);
  if (j.precision === 'fp16' && j.device === 'cpu') err('job.precision', 'fp16 runs on a GPU device (webgpu, cuda); the CPU provider computes in fp32 (use precision "fp32" or "auto")');
  known(j, '', 'device', 'precision');
  if (opts.unknownFields !== 'ignore') {
    for (const [o, { path, keys }] of seen) {
      for (const k of Object.keys(o)) if (!keys.has(k)) err(path ? `${path}.${k}` : k, 'is not a job field (check its spelling; the fields are listed in src/shared/job.ts)');
    }
  }
  return errs;
}
