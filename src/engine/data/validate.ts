import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { loadExamples, PROBLEM_KINDS, type BuildResult, type DatasetExample, type Problem, type ProblemKind, type TaskSpec } from './dataset.js';
import type { DataFormat, ReadOptions } from './readers/types.js';

/**
 * The dataset validation report (DESIGN.md §1 step 2): plain JSON-serialisable data, plus
 * `formatReport` for a terminal. Fatal problems (missing/unreadable file, bad encoding,
 * malformed CSV/JSON, a column the task needs that the file lacks) throw an SpsError; per-row
 * problems are collected and grouped by kind. The tokenizer is passed in as a function so
 * that this module does not depend on the model code.
 */

export interface ValidateOptions {
  file: string;
  task: TaskSpec;
  format?: DataFormat;
  /** A separate validation file: checked with the training label set, and for overlap with training. */
  validationFile?: string;
  validationFormat?: DataFormat;
  /** Token ids of a text; called as tokenize(input, 'input') and tokenize(output, 'output'). */
  tokenize?: (text: string, part: 'input' | 'output') => number[];
  /** Examples with more input+output tokens than this would be truncated (needs `tokenize`). */
  maxLength?: number;
  /** Problems listed per kind (the count is always complete). Default 10. */
  maxProblemsPerKind?: number;
  /** Reading options for both files (text mode, chunk size, limits). */
  read?: Pick<ReadOptions, 'textMode' | 'chunkChars' | 'maxLineChars' | 'maxJsonBytes'>;
  onProgress?: (which: 'train' | 'validation', bytesRead: number, totalBytes: number) => void;
}

export type ProblemSeverity = Problem['severity'];

export interface ProblemGroup {
  kind: ProblemKind;
  severity: ProblemSeverity;
  /** All problems of this kind. */
  count: number;
  /** The first `maxProblemsPerKind` of them. */
  shown: Problem[];
}

export interface LengthStats {
  /** Examples measured. */
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  /** Bins [from, to) of input+output token counts. */
  histogram: Array<{ from: number; to: number; count: number }>;
  maxLength?: number;
  /** Examples longer than maxLength. */
  truncated?: number;
}

export interface FileSummary {
  file: string;
  format: DataFormat;
  rows: number;
  columns: string[];
  /** Rows that became examples (rows with an error are left out). */
  examples: number;
  /** Examples whose (input, output) already appeared earlier in the same file. */
  duplicateRows: number;
  /** Classification: examples per label, in label-set order. */
  labelDistribution?: Array<{ label: string; count: number }>;
  lengths?: LengthStats;
}

export interface ValidationReport {
  task: TaskSpec['kind'];
  train: FileSummary;
  validation?: FileSummary & { /** Validation examples whose (input, output) is also in training. */ overlapWithTrain: number };
  labels?: string[];
  verbalizers?: Record<string, string>;
  problems: ProblemGroup[];
  errors: number;
  warnings: number;
  /** No errors (warnings allowed) and at least one training example. */
  ok: boolean;
}

/** How bad each kind of problem is: errors block a run, warnings are shown. */
export const SEVERITY: Record<ProblemKind, ProblemSeverity> = {
  empty_field: 'error',
  label_outside_set: 'error',
  empty_output: 'error',
  encoding: 'warning',
  duplicate_row: 'warning',
  train_validation_overlap: 'warning',
  too_long: 'warning',
};

const KIND_TITLE: Record<ProblemKind, string> = {
  empty_field: 'empty or missing field',
  label_outside_set: 'label outside the label set',
  empty_output: 'empty output',
  encoding: 'suspicious characters (encoding)',
  duplicate_row: 'duplicate row',
  train_validation_overlap: 'also in the training data',
  too_long: 'too long (would be truncated)',
};

export async function validateDataset(opts: ValidateOptions): Promise<ValidationReport> {
  const maxShown = opts.maxProblemsPerKind ?? 10;
  const problems: Problem[] = [];
  const readOpts = (which: 'train' | 'validation'): ReadOptions => ({
    ...opts.read,
    ...(opts.onProgress ? { onProgress: (r: number, t: number) => opts.onProgress?.(which, r, t) } : {}),
  });

  const train = await loadExamples(opts.file, opts.task, { ...readOpts('train'), ...(opts.format ? { format: opts.format } : {}) });
  problems.push(...train.problems);
  const trainKeys = new Map<string, number>();
  const trainSummary = summarise(opts.file, train, trainKeys, problems, opts);

  let validation: ValidationReport['validation'];
  if (opts.validationFile !== undefined) {
    const vTask: TaskSpec = opts.task.kind === 'classification' ? { ...opts.task, labels: train.labels, verbalizers: train.verbalizers } : opts.task;
    const val = await loadExamples(opts.validationFile, vTask, { ...readOpts('validation'), ...(opts.validationFormat ? { format: opts.validationFormat } : {}) });
    problems.push(...val.problems);
    const summary = summarise(opts.validationFile, val, new Map(), problems, opts);
    let overlap = 0;
    for (const ex of val.examples) {
      const first = trainKeys.get(exampleKey(ex));
      if (first === undefined) continue;
      overlap++;
      problems.push({
        kind: 'train_validation_overlap',
        severity: SEVERITY.train_validation_overlap,
        message: `validation line ${ex.source.line} is also in the training file (line ${first})`,
        location: ex.source,
        hint: 'remove it from one of the files, or validation accuracy will look better than it is',
      });
    }
    validation = { ...summary, overlapWithTrain: overlap };
  }

  const groups: ProblemGroup[] = [];
  for (const kind of PROBLEM_KINDS) {
    const all = problems.filter((p) => p.kind === kind);
    if (all.length === 0) continue;
    groups.push({ kind, severity: SEVERITY[kind], count: all.length, shown: all.slice(0, maxShown) });
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const report: ValidationReport = {
    task: opts.task.kind,
    train: trainSummary,
    problems: groups,
    errors,
    warnings: problems.length - errors,
    ok: errors === 0 && train.examples.length > 0,
  };
  if (validation) report.validation = validation;
  if (train.labels) report.labels = train.labels;
  if (train.verbalizers) report.verbalizers = train.verbalizers;
  return report;
}

/** What duplicates and overlap compare: the input and the output (the label for classification). */
function exampleKey(ex: DatasetExample): string {
  return createHash('sha1')
    .update(ex.input)
    .update('\u0000')
    .update(ex.label ?? ex.output)
    .digest('base64');
}

function summarise(
  file: string,
  res: BuildResult & { format: DataFormat; rows: number; columns: string[] },
  keys: Map<string, number>,
  problems: Problem[],
  opts: ValidateOptions,
): FileSummary {
  let duplicates = 0;
  for (const ex of res.examples) {
    const key = exampleKey(ex);
    const first = keys.get(key);
    if (first === undefined) {
      keys.set(key, ex.source.line ?? 0);
      continue;
    }
    duplicates++;
    problems.push({
      kind: 'duplicate_row',
      severity: SEVERITY.duplicate_row,
      message: `line ${ex.source.line} repeats line ${first}`,
      location: ex.source,
      hint: 'remove the repeated row, or it counts twice in training',
    });
  }
  const summary: FileSummary = { file, format: res.format, rows: res.rows, columns: res.columns, examples: res.examples.length, duplicateRows: duplicates };
  if (res.labels) {
    const counts = new Map(res.labels.map((l) => [l, 0]));
    for (const ex of res.examples) if (ex.label !== undefined) counts.set(ex.label, (counts.get(ex.label) ?? 0) + 1);
    summary.labelDistribution = res.labels.map((label) => ({ label, count: counts.get(label) ?? 0 }));
  }
  if (opts.tokenize && res.examples.length > 0) {
    const tokenize = opts.tokenize;
    const lengths = new Int32Array(res.examples.length);
    let truncated = 0;
    res.examples.forEach((ex, i) => {
      const a = ex.input === '' ? 0 : tokenize(ex.input, 'input').length;
      const b = tokenize(ex.output, 'output').length;
      const len = a + b;
      lengths[i] = len;
      if (opts.maxLength !== undefined && len > opts.maxLength) {
        truncated++;
        problems.push({
          kind: 'too_long',
          severity: SEVERITY.too_long,
          message: `line ${ex.source.line} has ${len} tokens (input ${a} + output ${b}), more than the maximum length ${opts.maxLength}`,
          location: ex.source,
          hint: 'shorten the text, raise the maximum length, or accept that the end is cut off',
        });
      }
    });
    summary.lengths = lengthStats(lengths, opts.maxLength, truncated);
  }
  return summary;
}

export function lengthStats(lengths: Int32Array, maxLength: number | undefined, truncated: number): LengthStats {
  const sorted = Int32Array.from(lengths).sort();
  const n = sorted.length;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.floor(q * (n - 1) + 0.5))] ?? 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  const max = sorted[n - 1] ?? 0;
  const edges = [0, 8];
  while ((edges[edges.length - 1] as number) <= max) edges.push((edges[edges.length - 1] as number) * 2);
  const histogram = edges.slice(0, -1).map((from, k) => ({ from, to: edges[k + 1] as number, count: 0 }));
  for (const v of sorted) {
    const bin = histogram.find((h) => v >= h.from && v < h.to);
    if (bin) bin.count++;
  }
  const stats: LengthStats = { count: n, min: sorted[0] ?? 0, max, mean: n ? sum / n : 0, p50: at(0.5), p95: at(0.95), histogram };
  if (maxLength !== undefined) {
    stats.maxLength = maxLength;
    stats.truncated = truncated;
  }
  return stats;
}

/** The report as text for a terminal or a log. */
export function formatReport(report: ValidationReport): string {
  const out: string[] = [];
  const file = (s: FileSummary, title: string) => {
    out.push(`${title}: ${s.file} (${s.format}) — ${s.rows} row${s.rows === 1 ? '' : 's'}, ${s.examples} usable example${s.examples === 1 ? '' : 's'}`);
    out.push(`  columns: ${s.columns.join(', ') || '(none)'}`);
    out.push(`  duplicate rows: ${s.duplicateRows}`);
    if (s.labelDistribution) {
      const total = s.labelDistribution.reduce((a, b) => a + b.count, 0) || 1;
      out.push('  labels:');
      const w = Math.max(...s.labelDistribution.map((d) => d.label.length));
      for (const d of s.labelDistribution) out.push(`    ${d.label.padEnd(w)}  ${String(d.count).padStart(6)}  ${((100 * d.count) / total).toFixed(1).padStart(5)}%`);
    }
    if (s.lengths) {
      const L = s.lengths;
      out.push(`  tokens per example (input+output): min ${L.min}, median ${L.p50}, p95 ${L.p95}, max ${L.max}, mean ${L.mean.toFixed(1)}`);
      const peak = Math.max(1, ...L.histogram.map((h) => h.count));
      const firstBin = Math.max(0, L.histogram.findIndex((h) => h.count > 0));
      for (const h of L.histogram.slice(firstBin)) out.push(`    ${`${h.from}–${h.to - 1}`.padStart(11)}  ${String(h.count).padStart(6)}  ${'#'.repeat(Math.round((30 * h.count) / peak))}`);
      if (L.maxLength !== undefined) out.push(`  longer than ${L.maxLength} tokens (would be truncated): ${L.truncated ?? 0}`);
    }
  };
  out.push(`Task: ${report.task}`);
  file(report.train, 'Training data');
  if (report.validation) {
    file(report.validation, 'Validation data');
    out.push(`  also in the training data: ${report.validation.overlapWithTrain}`);
  }
  if (report.verbalizers) out.push(`Verbalizers: ${Object.entries(report.verbalizers).map(([l, v]) => `${l} → ${JSON.stringify(v)}`).join(', ')}`);
  if (report.problems.length === 0) out.push('Problems: none');
  else {
    out.push(`Problems: ${report.errors} error${report.errors === 1 ? '' : 's'} (rows left out), ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`);
    for (const g of report.problems) {
      out.push(`  ${KIND_TITLE[g.kind]} [${g.severity}]: ${g.count}`);
      for (const p of g.shown) {
        const where = `${p.location.file !== undefined ? basename(p.location.file) : ''}${p.location.line !== undefined ? `:${p.location.line}` : ''}`;
        out.push(`    ${where ? where + ': ' : ''}${p.message}`);
      }
      if (g.count > g.shown.length) out.push(`    … and ${g.count - g.shown.length} more`);
      const hint = g.shown[0]?.hint;
      if (hint) out.push(`    → ${hint}`);
    }
  }
  out.push(report.ok ? 'Result: OK' : 'Result: fix the errors above before training');
  return out.join('\n');
}
