import { JOB_DEFAULTS, type JobConfig } from '../../shared/job';

/** Quotes a shell argument only when it needs it (POSIX single quotes). */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The `sps tune` argument list equivalent to a job config. */
export function tuneArgs(job: JobConfig, out: string): string[] {
  const a: string[] = ['sps', 'tune'];
  const flag = (name: string, value: string | number | undefined) => {
    if (value === undefined || value === '') return;
    a.push(`--${name}`, String(value));
  };
  const d = JOB_DEFAULTS.training;
  const t = job.training;
  flag('model', job.model.path);
  flag('data', job.data.train);
  if (job.data.validation) flag('val', job.data.validation);
  else if (job.data.validationFraction !== JOB_DEFAULTS.data.validationFraction) flag('val-fraction', job.data.validationFraction);
  if (job.data.format) flag('format', job.data.format);
  flag('task', job.task.kind);
  if (job.task.kind === 'classification') {
    flag('input-template', job.task.inputTemplate);
    flag('label-column', job.task.labelColumn);
    if (job.task.labels?.length) flag('labels', job.task.labels.join(','));
    if (job.task.verbalizers && Object.keys(job.task.verbalizers).length) flag('verbalizers', JSON.stringify(job.task.verbalizers));
  } else if (job.task.kind === 'generation') {
    flag('input-template', job.task.inputTemplate);
    flag('output-template', job.task.outputTemplate);
  } else {
    flag('text-column', job.task.textColumn);
  }
  if (job.task.kind !== 'lm' && job.task.chatTemplate) a.push('--chat-template');
  flag('virtual-tokens', job.prompt.numVirtualTokens);
  flag('init', job.prompt.init === 'file' ? job.prompt.initFile : job.prompt.init);
  if (job.prompt.init === 'text') flag('init-text', job.prompt.initText);
  flag('lr', t.learningRate);
  if (t.steps !== undefined) flag('steps', t.steps);
  else flag('epochs', t.epochs);
  flag('batch', t.batchSize);
  flag('grad-accum', t.gradAccum);
  flag('warmup-ratio', t.warmupRatio);
  flag('schedule', t.schedule);
  if (t.weightDecay !== d.weightDecay) flag('weight-decay', t.weightDecay);
  if (t.maxGradNorm !== d.maxGradNorm) flag('max-grad-norm', t.maxGradNorm);
  flag('max-length', t.maxLength);
  flag('eval-every', t.evalEvery);
  flag('checkpoint-every', t.checkpointEvery);
  flag('patience', t.patience);
  if (t.metric) flag('metric', t.metric);
  if (t.generationEvalExamples !== undefined) flag('generation-eval-examples', t.generationEvalExamples);
  flag('seed', t.seed);
  if (t.appendEos) a.push('--append-eos');
  flag('device', job.device);
  if (job.precision && job.precision !== 'auto') flag('precision', job.precision);
  flag('out', out);
  return a;
}

export function tuneCommand(job: JobConfig, out: string): string {
  return tuneArgs(job, out).map(shellQuote).join(' ');
}
