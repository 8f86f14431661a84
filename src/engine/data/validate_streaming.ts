import { SpsError } from '../../shared/errors.js';
import type { TextTokenizer } from '../models/tokenizer.js';
import { PROBLEM_KINDS, type Problem, type ProblemKind, type TaskSpec } from './dataset.js';
import { indexExamples, type ExampleIndex } from './example_index.js';
import type { ReadOptions } from './readers/types.js';
import { TokenizedDataset, type TokenizeProgress } from './tokenized_dataset.js';
import { lengthStats, SEVERITY, type FileSummary, type ProblemGroup, type ValidationReport } from './validate.js';

/**
 * The validation report of files of any size (`sps validate`, the services): one streaming
 * pass counts rows, problems and labels exactly (example_index.ts), then every example is
 * tokenized into the shared token cache (in worker threads) for the exact token-length
 * statistics, so a tune that follows on the same file, tokenizer and template starts at once.
 * Memory: the index (~40 bytes per example), never the rows. Same report as validateDataset,
 * except that token lengths are counted exactly as the trainer's examples are (with the BOS
 * token an empty input still gets), and duplicates are found by a 53-bit hash of input and output.
 */

export interface ValidateProgress {
  phase: 'reading' | 'tokenizing';
  which: 'train' | 'validation';
  /** Bytes (reading) or examples (tokenizing) done, of total. */
  done: number;
  total: number;
  /** Seconds left in this phase (-1 while unknown). */
  etaSeconds: number;
}

export interface StreamingValidateOptions {
  file: string;
  task: TaskSpec;
  read?: Pick<ReadOptions, 'format' | 'textMode' | 'chunkChars' | 'maxLineChars' | 'maxJsonBytes'>;
  validationFile?: string;
  /** With a tokenizer the examples are tokenized into the cache (lengths); without, counts and problems only. */
  tokens?: { tokenizer: TextTokenizer; modelDir: string; cacheRoot: string; tokenizerVariant?: string };
  maxLength?: number;
  maxProblemsPerKind?: number;
  threads?: number;
  onProgress?: (p: ValidateProgress) => void;
  /** Cancels between chunks; what is tokenized so far stays in the cache. */
  signal?: AbortSignal;
}

/** Counted problems of one kind, the first `shown` kept. */
class Tally {
  readonly groups = new Map<ProblemKind, { count: number; shown: Problem[] }>();
  constructor(private readonly maxShown: number) {}
  addCount(kind: ProblemKind, count: number, shown: readonly Problem[]): void {
    const g = this.groups.get(kind) ?? { count: 0, shown: [] };
    g.count += count;
    for (const p of shown) if (g.shown.length < this.maxShown) g.shown.push(p);
    this.groups.set(kind, g);
  }
  add(p: Problem): void {
    this.addCount(p.kind, 1, [p]);
  }
}

function cancelled(): SpsError {
  return new SpsError('CANCELLED', 'validation was cancelled', { hint: 'what was tokenized so far is kept in the token cache' });
}

function phaseProgress(opts: StreamingValidateOptions, which: 'train' | 'validation') {
  const t0 = performance.now();
  return {
    read: (done: number, total: number) => {
      if (opts.signal?.aborted) throw cancelled();
      const secs = (performance.now() - t0) / 1000;
      opts.onProgress?.({ phase: 'reading', which, done, total, etaSeconds: done > 0 ? (secs * (total - done)) / done : -1 });
    },
    tokenize: (p: TokenizeProgress) => opts.onProgress?.({ phase: 'tokenizing', which, done: p.done, total: p.total, etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : -1 }),
  };
}

/** Example numbers ordered by (key, number): equal keys are neighbours, the first occurrence first. */
function sortedByKey(keys: Float64Array): Uint32Array {
  const perm = new Uint32Array(keys.length);
  for (let i = 0; i < perm.length; i++) perm[i] = i;
  return perm.sort((a, b) => keys[a]! - keys[b]! || a - b);
}

/** One file seen by the report: its index and, when tokenized, each example's token count. */
interface Indexed {
  index: ExampleIndex;
  tokensOf?: (i: number) => number;
}

export async function validateStreaming(opts: StreamingValidateOptions): Promise<ValidationReport> {
  if (opts.tokens) return validateTokenized(opts, opts.tokens);
  const trainProgress = phaseProgress(opts, 'train');
  const train = await indexExamples(opts.file, opts.task, { ...opts.read, onProgress: trainProgress.read }, { keys: true });
  let val: ExampleIndex | undefined;
  if (opts.validationFile !== undefined) {
    const vTask: TaskSpec = opts.task.kind === 'classification' && train.labels ? { ...opts.task, labels: train.labels, ...(train.verbalizers ? { verbalizers: train.verbalizers } : {}) } : opts.task;
    val = await indexExamples(opts.validationFile, vTask, { ...opts.read, onProgress: phaseProgress(opts, 'validation').read }, { keys: true });
  }
  return buildReport(opts, { index: train }, val ? { index: val } : undefined);
}

async function validateTokenized(opts: StreamingValidateOptions, tokens: NonNullable<StreamingValidateOptions['tokens']>): Promise<ValidationReport> {
  const common = { ...tokens, keys: true, ...(opts.read ? { read: opts.read } : {}) };
  const trainProgress = phaseProgress(opts, 'train');
  const train = await TokenizedDataset.open({ ...common, file: opts.file, task: opts.task, onReadProgress: trainProgress.read });
  let val: TokenizedDataset | undefined;
  try {
    if (opts.validationFile !== undefined) {
      const ix = train.index;
      const vTask: TaskSpec = opts.task.kind === 'classification' && ix.labels ? { ...opts.task, labels: ix.labels, ...(ix.verbalizers ? { verbalizers: ix.verbalizers } : {}) } : opts.task;
      const vp = phaseProgress(opts, 'validation');
      val = await TokenizedDataset.open({ ...common, file: opts.validationFile, task: vTask, onReadProgress: vp.read });
    }
    const abort = () => {
      train.stop();
      val?.stop();
    };
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      await train.fill([], { ...(opts.threads !== undefined ? { threads: opts.threads } : {}), onProgress: trainProgress.tokenize });
      if (val) await val.fill([], { ...(opts.threads !== undefined ? { threads: opts.threads } : {}), onProgress: phaseProgress(opts, 'validation').tokenize });
    } finally {
      opts.signal?.removeEventListener('abort', abort);
    }
    if (opts.signal?.aborted || !train.complete || (val && !val.complete)) throw cancelled();
    const withTokens = (s: TokenizedDataset): Indexed => ({ index: s.index, tokensOf: (i) => s.tokensOf(i) });
    return buildReport(opts, withTokens(train), val ? withTokens(val) : undefined);
  } finally {
    await train.close();
    await val?.close();
  }
}

function buildReport(opts: StreamingValidateOptions, train: Indexed, val: Indexed | undefined): ValidationReport {
    const maxShown = opts.maxProblemsPerKind ?? 10;
    const tally = new Tally(maxShown);
    const trainSummary = summarise(train, tally, opts);
    const report: ValidationReport = { task: opts.task.kind, train: trainSummary, problems: [], errors: 0, warnings: 0, ok: false };
    if (val) {
      const summary = summarise(val, tally, opts);
      report.validation = { ...summary, overlapWithTrain: overlap(train.index, val.index, tally) };
    }
    const groups: ProblemGroup[] = [];
    let errors = 0;
    let warnings = 0;
    for (const kind of PROBLEM_KINDS) {
      const g = tally.groups.get(kind);
      if (!g || g.count === 0) continue;
      groups.push({ kind, severity: SEVERITY[kind], count: g.count, shown: g.shown.slice(0, maxShown) });
      if (SEVERITY[kind] === 'error') errors += g.count;
      else warnings += g.count;
    }
    report.problems = groups;
    report.errors = errors;
    report.warnings = warnings;
    report.ok = errors === 0 && train.index.count > 0;
    if (train.index.labels) report.labels = train.index.labels;
    if (train.index.verbalizers) report.verbalizers = train.index.verbalizers;
    return report;
}

function summarise(set: Indexed, tally: Tally, opts: StreamingValidateOptions): FileSummary {
  const ix = set.index;
  // Problems of the first pass: exact counts, the first of each kind.
  for (const kind of PROBLEM_KINDS) {
    const count = (ix.problems.counts[`${kind}:error`] ?? 0) + (ix.problems.counts[`${kind}:warning`] ?? 0);
    if (count > 0) tally.addCount(kind, count, ix.problems.shown.filter((p) => p.kind === kind));
  }
  const lineOf = (i: number) => ix.lines?.[i] ?? 0;
  let duplicates = 0;
  if (ix.keys) {
    const perm = sortedByKey(ix.keys);
    const dup: number[][] = [];
    for (let k = 1; k < perm.length; k++) {
      const i = perm[k]!;
      if (ix.keys[i] !== ix.keys[perm[k - 1]!]) continue;
      let first = k - 1;
      while (first > 0 && ix.keys[perm[first - 1]!] === ix.keys[i]) first--;
      duplicates++;
      if (dup.length < 10_000) dup.push([i, perm[first]!]);
    }
    dup.sort((a, b) => a[0]! - b[0]!);
    const shown = dup.map(([i, f]) => ({
      kind: 'duplicate_row' as const,
      severity: SEVERITY.duplicate_row,
      message: `line ${lineOf(i!)} repeats line ${lineOf(f!)}`,
      location: { file: ix.file, line: lineOf(i!) },
      hint: 'remove the repeated row, or it counts twice in training',
    }));
    if (duplicates > 0) tally.addCount('duplicate_row', duplicates, shown);
  }
  const summary: FileSummary = { file: ix.file, format: ix.format, rows: ix.rows, columns: ix.columns, examples: ix.count, duplicateRows: duplicates };
  if (ix.labels && ix.labelIds) {
    const counts = new Array<number>(ix.labels.length).fill(0);
    for (const l of ix.labelIds) counts[l]!++;
    summary.labelDistribution = ix.labels.map((label, k) => ({ label, count: counts[k]! }));
  }
  if (ix.count > 0 && set.tokensOf) {
    const lengths = new Int32Array(ix.count);
    let truncated = 0;
    for (let i = 0; i < ix.count; i++) {
      const len = set.tokensOf(i);
      lengths[i] = len;
      if (opts.maxLength !== undefined && len > opts.maxLength) {
        truncated++;
        tally.add({
          kind: 'too_long',
          severity: SEVERITY.too_long,
          message: `line ${lineOf(i)} has ${len} tokens, more than the maximum length ${opts.maxLength}`,
          location: { file: ix.file, line: lineOf(i) },
          hint: 'shorten the text, raise the maximum length, or accept that the end is cut off',
        });
      }
    }
    summary.lengths = lengthStats(lengths, opts.maxLength, truncated);
  }
  return summary;
}

/** Validation examples whose key is also a training example's. */
function overlap(train: ExampleIndex, val: ExampleIndex, tally: Tally): number {
  if (!train.keys || !val.keys) return 0;
  const perm = sortedByKey(train.keys);
  const sorted = Float64Array.from(perm, (i) => train.keys![i]!);
  let count = 0;
  for (let v = 0; v < val.count; v++) {
    const key = val.keys[v]!;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= sorted.length || sorted[lo] !== key) continue;
    count++;
    const line = val.lines?.[v] ?? 0;
    tally.add({
      kind: 'train_validation_overlap',
      severity: SEVERITY.train_validation_overlap,
      message: `validation line ${line} is also in the training file (line ${train.lines?.[perm[lo]!] ?? 0})`,
      location: { file: val.file, line },
      hint: 'remove it from one of the files, or validation accuracy will look better than it is',
    });
  }
  return count;
}
