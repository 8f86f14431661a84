import type { JobConfig } from '../../shared/job.js';
import { EVALUATION_COUNTS, formatMetric, generationScope } from '../../shared/metric_format.js';
import type { VirtualTokenNeighbours } from '../inference/nearest_tokens.js';
import type { RunJobFile } from '../tuning/run.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * A Markdown "prompt card": what a soft prompt is, what it was trained on and how well it
 * does — enough for someone receiving only the exported file to judge and reproduce it.
 */
export interface PromptCardInput {
  runDir: string;
  run: RunJobFile;
  checkpoint: 'best' | 'final';
  /** Training step of the exported checkpoint. */
  step: number;
  prompt: SoftPrompt;
  /** metrics.jsonl records, in order. */
  metrics: readonly Record<string, unknown>[];
  /** Nearest vocabulary tokens per virtual token, or why they are missing. */
  nearest: VirtualTokenNeighbours[] | { unavailable: string };
  /**
   * What the trainer put before a label to make its default verbalizer (" ", or "" for
   * tokenizers that mark word starts themselves); undefined when the tokenizer is unavailable.
   */
  verbalizerPrefix?: string;
  exportedAt: Date;
  appVersion: string;
}

export interface MetricsSummary {
  baseline?: Record<string, unknown>;
  /** The last evaluation. */
  final?: Record<string, unknown>;
  /** The last evaluation flagged best (the one best/ holds). */
  best?: Record<string, unknown>;
  lastTrain?: Record<string, unknown>;
  evaluations: number;
  trainSteps: number;
  skippedSteps: number;
}

export function summariseMetrics(records: readonly Record<string, unknown>[]): MetricsSummary {
  const s: MetricsSummary = { evaluations: 0, trainSteps: 0, skippedSteps: 0 };
  for (const r of records) {
    switch (r.kind) {
      case 'baseline':
        s.baseline = r;
        break;
      case 'evaluation':
        s.evaluations++;
        s.final = r;
        if (r.best === true) s.best = r;
        break;
      case 'train':
        s.trainSteps++;
        s.lastTrain = r;
        break;
      case 'skipped':
        s.skippedSteps++;
        break;
    }
  }
  return s;
}

/** Numbers as the app writes them everywhere; a missing value is "n/a" in the card. */
const metricText = (v: unknown): string => formatMetric(v, 'n/a');

const NOT_METRICS = new Set<string>(['kind', 'step', 'best', 'labels', 'confusion_matrix', 'totalSteps', 'epoch', ...EVALUATION_COUNTS]);

export function renderPromptCard(c: PromptCardInput): string {
  const { job, fingerprints } = c.run;
  const m = summariseMetrics(c.metrics);
  const out: string[] = [];
  const title = job.name ?? lastSegment(c.runDir);
  out.push(`# Soft prompt card: ${escapeText(title)}`, '');
  out.push(
    `A soft prompt of **${c.prompt.numVirtualTokens} virtual tokens × ${c.prompt.dim}** for \`${escapeText(fingerprints.model.modelType)}\` model ${code(job.model.path)}, ` +
      `tuned for **${job.task.kind}**. This export is the **${c.checkpoint}** checkpoint (step ${c.step}).`,
    '',
  );

  out.push('## Base model', '');
  out.push(...kv([
    ['Path', code(fingerprints.model.path)],
    ['Model type', code(fingerprints.model.modelType)],
    ['Fingerprint (SHA-256 of config, tokenizer and weight headers)', code(fingerprints.model.sha256)],
    ['Hidden size (prompt width)', String(c.prompt.dim)],
  ]), '');

  out.push('## Dataset', '');
  const data: [string, string][] = [
    ['Training file', code(fingerprints.train.path)],
    ['Training file size', `${fingerprints.train.bytes} bytes`],
    ['Training file SHA-256', code(fingerprints.train.sha256)],
  ];
  if (fingerprints.validation) {
    data.push(['Validation file', code(fingerprints.validation.path)], ['Validation file size', `${fingerprints.validation.bytes} bytes`], ['Validation file SHA-256', code(fingerprints.validation.sha256)]);
  } else {
    data.push(['Validation', `${Math.round(job.data.validationFraction * 1000) / 10}% of the training file, split with seed ${job.training.seed}`]);
  }
  if (job.data.format) data.push(['Format', code(job.data.format)]);
  out.push(...kv(data), '');

  out.push('## Task', '');
  out.push(...taskLines(job, m, c.verbalizerPrefix), '');

  out.push('## Hyperparameters', '');
  const t = job.training;
  out.push(...kv([
    ['Virtual tokens', String(job.prompt.numVirtualTokens)],
    ['Initialisation', code(job.prompt.init) + (job.prompt.initText !== undefined ? ` (text ${code(JSON.stringify(job.prompt.initText))})` : '') + (job.prompt.initFile ? ` (file ${code(job.prompt.initFile)})` : '')],
    ['Learning rate', String(t.learningRate)],
    [t.steps !== undefined ? 'Steps' : 'Epochs', String(t.steps ?? t.epochs ?? 'n/a')],
    ['Batch size', String(t.batchSize)],
    ['Gradient accumulation', String(t.gradAccum)],
    ['Schedule', `${code(t.schedule)}, warmup ratio ${t.warmupRatio}`],
    ['Weight decay', String(t.weightDecay)],
    ['Max gradient norm', String(t.maxGradNorm)],
    ['Max length (tokens)', String(t.maxLength)],
    ['Evaluate every', `${t.evalEvery} steps`],
    ['Selection metric', code(t.metric ?? (job.task.kind === 'classification' ? 'accuracy' : 'val_loss'))],
    ['Patience', String(t.patience)],
    ['Seed', String(t.seed)],
    ['Append EOS', String(t.appendEos)],
    ['Device', code(job.device)],
  ]), '');

  out.push('## Metrics', '');
  out.push(...metricsLines(m), '');

  out.push('## Nearest vocabulary tokens', '');
  if ('unavailable' in c.nearest) {
    out.push(`Not available: ${escapeText(c.nearest.unavailable)}`, '');
  } else {
    out.push('Cosine similarity of each virtual token with the rows of the input embedding matrix (highest first).', '');
    out.push('| Virtual token | Nearest tokens (cosine similarity) |', '| ---: | --- |');
    for (const v of c.nearest) out.push(`| ${v.index} | ${v.tokens.map((t) => `${code(t.token)} (${t.similarity.toFixed(3)}) #${t.id}`).join(', ')} |`);
    out.push('');
  }

  out.push('## Provenance', '');
  out.push(...kv([
    ['Run folder', code(c.runDir)],
    ['Run created', c.run.createdAt],
    ['Trained with', `Soft Prompt Studio ${c.run.appVersion}`],
    ['Exported', c.exportedAt.toISOString()],
    ['Exported with', `Soft Prompt Studio ${c.appVersion}`],
  ]), '');
  return out.join('\n');
}

/** How the input is built: with the chat template, the PEFT user must call apply_chat_template too. */
function chatRow(task: { chatTemplate?: boolean }): [string, string][] {
  return [
    [
      'Input format',
      task.chatTemplate
        ? "the model's chat template: the filled input template is the user message, built with `tokenizer.apply_chat_template([{\"role\": \"user\", \"content\": input}], add_generation_prompt=True)` (no extra special tokens); the output follows"
        : 'plain text: `tokenizer(input)` with its special tokens (e.g. BOS), then the output',
    ],
  ];
}

function taskLines(job: JobConfig, m: MetricsSummary, verbalizerPrefix: string | undefined): string[] {
  const task = job.task;
  const rows: [string, string][] = [['Kind', code(task.kind)]];
  switch (task.kind) {
    case 'classification': {
      rows.push(['Input template', code(JSON.stringify(task.inputTemplate))], ['Label column', code(task.labelColumn)], ...chatRow(task));
      const fromMetrics = (m.best ?? m.final ?? m.baseline)?.labels;
      const labels = task.labels ?? (Array.isArray(fromMetrics) ? fromMetrics.map(String) : undefined);
      const lines = kv(rows);
      if (labels) {
        lines.push('', '| Label | Verbalizer (text scored after the input) |', '| --- | --- |');
        for (const l of labels) {
          const v = task.verbalizers?.[l] ?? (verbalizerPrefix !== undefined ? verbalizerPrefix + l : undefined);
          lines.push(`| ${code(l)} | ${v !== undefined ? code(JSON.stringify(v)) : `the label itself (the tokenizer's word-start convention decides a leading space)`} |`);
        }
      }
      return lines;
    }
    case 'generation':
      rows.push(['Input template', code(JSON.stringify(task.inputTemplate))], ['Output template', code(JSON.stringify(task.outputTemplate))], ...chatRow(task));
      return kv(rows);
    case 'lm':
      rows.push(['Text column', code(task.textColumn)]);
      return kv(rows);
  }
}

function metricsLines(m: MetricsSummary): string[] {
  const cols: [string, Record<string, unknown> | undefined][] = [
    ['Baseline (no prompt)', m.baseline],
    [`Best${m.best ? ` (step ${String(m.best.step)})` : ''}`, m.best],
    [`Final${m.final ? ` (step ${String(m.final.step)})` : ''}`, m.final],
  ];
  const names: string[] = [];
  for (const [, r] of cols) for (const [k, v] of Object.entries(r ?? {})) if (!NOT_METRICS.has(k) && (typeof v === 'number' || v === null) && !names.includes(k)) names.push(k);
  const lines: string[] = [];
  if (names.length === 0) {
    lines.push('No evaluation was recorded for this run.');
  } else {
    lines.push(`| Metric | ${cols.map(([h]) => h).join(' | ')} |`, `| --- | ${cols.map(() => '---:').join(' | ')} |`);
    for (const name of names) lines.push(`| ${code(name)} | ${cols.map(([, r]) => (r ? metricText(r[name]) : '—')).join(' | ')} |`);
    // Generation metrics computed on part of the validation set say so, per column.
    const partial = cols.flatMap(([h, r]) => {
      const scope = generationScope(r);
      return scope ? [`${h}: exact match and token F1 ${scope}`] : [];
    });
    if (partial.length > 0) lines.push('', `${partial.join('; ')}.`);
  }
  const train: string[] = [];
  if (m.lastTrain) train.push(`last training loss ${metricText(m.lastTrain.loss)} at step ${String(m.lastTrain.step)}`);
  train.push(`${m.evaluations} evaluation(s)`, `${m.skippedSteps} skipped (non-finite) step(s)`);
  lines.push('', `Training: ${train.join('; ')}.`);
  const cm = (m.best ?? m.final)?.confusion_matrix;
  const labels = (m.best ?? m.final)?.labels;
  if (Array.isArray(cm) && Array.isArray(labels) && cm.length === labels.length) {
    lines.push('', `Confusion matrix (${m.best ? 'best' : 'final'} evaluation; rows = truth, columns = prediction):`, '');
    lines.push(`| | ${labels.map((l) => code(String(l))).join(' | ')} |`, `| --- | ${labels.map(() => '---:').join(' | ')} |`);
    cm.forEach((row, i) => lines.push(`| ${code(String(labels[i]))} | ${Array.isArray(row) ? row.map(String).join(' | ') : ''} |`));
  }
  return lines;
}

function kv(rows: readonly [string, string][]): string[] {
  return ['| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

/** An inline code span that survives backticks and table pipes in `s`. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((x) => x.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s.replace(/\|/g, '\\|').replace(/\r?\n/g, '\\n')}${pad}${fence}`;
}

function escapeText(s: string): string {
  return s.replace(/([\\`*_[\]|<>#])/g, '\\$1').replace(/\r?\n/g, ' ');
}

function lastSegment(p: string): string {
  return p.split(/[\\/]/).filter((x) => x !== '').pop() ?? p;
}
