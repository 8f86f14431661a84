import { SpsError, type ErrorLocation } from '../../shared/errors.js';
import type { Example } from './example.js';
import { ColumnSet, detectFormat, readRecords } from './readers/index.js';
import type { DataFormat, DataRecord, ReadOptions } from './readers/types.js';
import { checkTemplateColumns, compileTemplate, missingColumnError, type CompiledTemplate } from './template.js';

/**
 * From data-file records to training examples for a task (DESIGN.md §3 "Tuning semantics"):
 * - classification: input = inputTemplate filled in, output = the label's verbalizer
 *   (default: " " + label), `label` kept on the example;
 * - generation: input = inputTemplate, output = outputTemplate;
 * - lm: input = "", output = the text column.
 * Per-row problems are collected (rows with an error are left out); problems that make the
 * whole file unusable (a column the task needs is absent from every row, an invalid label
 * set, fewer than two labels) throw.
 */

export type TaskSpec =
  | {
      kind: 'classification';
      inputTemplate: string;
      labelColumn: string;
      /** The allowed labels, in order. Default: the labels seen in the training file, sorted. */
      labels?: string[];
      /** label → text the model should produce. Default: `verbalizerPrefix` + label. */
      verbalizers?: Record<string, string>;
      /**
       * Put before a label to make its default verbalizer: " " (default) for tokenizers that
       * mark word starts with the space itself (GPT-2 style), "" for those that already add
       * a word-start marker to every text (SentencePiece "▁"), where " " would add a token.
       */
      verbalizerPrefix?: string;
    }
  | { kind: 'generation'; inputTemplate: string; outputTemplate: string }
  | { kind: 'lm'; /** default "text" */ textColumn?: string };

export type ProblemKind = 'empty_field' | 'duplicate_row' | 'train_validation_overlap' | 'label_outside_set' | 'empty_output' | 'encoding' | 'too_long';

export const PROBLEM_KINDS: readonly ProblemKind[] = ['empty_field', 'label_outside_set', 'empty_output', 'encoding', 'duplicate_row', 'train_validation_overlap', 'too_long'];

/** A per-row problem. `error`: the row is left out of the examples; `warning`: kept. */
export interface Problem {
  kind: ProblemKind;
  severity: 'error' | 'warning';
  message: string;
  location: ErrorLocation;
  hint?: string;
}

export interface DatasetExample extends Example {
  source: ErrorLocation;
  /** Classification only: the row's label (one of `labels`). */
  label?: string;
}

export interface BuildResult {
  examples: DatasetExample[];
  problems: Problem[];
  /** Classification: the label set in order (index = class id). */
  labels?: string[];
  /** Classification: label → verbalizer text (the `output` of its examples). */
  verbalizers?: Record<string, string>;
}

/** Text that was probably decoded wrongly before it reached us (U+FFFD) or holds control characters. */
const SUSPICIOUS = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Streaming example builder: `add` records one by one, then `finish`. */
export class ExampleBuilder {
  readonly problems: Problem[] = [];
  private readonly input: CompiledTemplate | undefined;
  private readonly output: CompiledTemplate | undefined;
  private readonly textColumn: string;
  private readonly fixedLabels: string[] | undefined;
  private readonly seenLabels = new Set<string>();
  private readonly columns = new ColumnSet();
  private readonly pending: DatasetExample[] = [];

  constructor(
    readonly task: TaskSpec,
    readonly file: string,
    /** Keep the examples for `finish` (false: the caller keeps what it needs, e.g. an index). */
    private readonly retain = true,
  ) {
    if (task.kind === 'classification' || task.kind === 'generation') this.input = compileTemplate(task.inputTemplate, 'input template');
    if (task.kind === 'generation') this.output = compileTemplate(task.outputTemplate, 'output template');
    if (task.kind === 'classification') {
      if (typeof task.labelColumn !== 'string' || task.labelColumn.trim() === '') {
        throw new SpsError('INVALID_ARGUMENT', 'the classification task has no label column', { location: { field: 'labelColumn' }, hint: 'name the column that holds the labels, e.g. "label"' });
      }
      if (task.labels !== undefined) {
        this.fixedLabels = checkLabelSet(task.labels);
        if (this.fixedLabels.length < 2) {
          throw new SpsError('INVALID_ARGUMENT', `a classification task needs at least 2 labels, got ${this.fixedLabels.length}`, { location: { field: 'labels' }, hint: 'list every class, e.g. ["happy", "sad"]' });
        }
      }
    }
    this.textColumn = task.kind === 'lm' ? (task.textColumn ?? 'text') : 'text';
  }

  /** Fail early when the columns of the file are known up front (CSV header, Parquet schema). */
  checkColumns(columns: readonly string[]): void {
    checkTaskColumns(this.task, columns, this.file);
  }

  /** Turn one record into an example, or record its problems and return undefined. */
  add(rec: DataRecord): DatasetExample | undefined {
    this.columns.add(rec);
    const loc = { file: this.file, line: rec.line };
    const task = this.task;
    let input = '';
    let output = '';
    let label: string | undefined;
    let ok = true;
    if (this.input) ok = this.renderInto(this.input, rec, 'input', (t) => (input = t)) && ok;
    if (task.kind === 'generation' && this.output) {
      ok = this.renderInto(this.output, rec, 'output', (t) => (output = t)) && ok;
    } else if (task.kind === 'lm') {
      const v = rec.fields[this.textColumn];
      if (v === undefined) {
        ok = false;
        this.fieldProblem(rec, this.textColumn, 'the text column');
      } else if (v.trim() === '') {
        ok = false;
        this.problem('empty_output', 'error', `line ${rec.line} has empty text (column "${this.textColumn}")`, { ...loc, field: this.textColumn }, 'fill in the text, or remove the row');
      } else output = v;
    } else if (task.kind === 'classification') {
      const raw = rec.fields[task.labelColumn];
      if (raw === undefined) {
        ok = false;
        this.fieldProblem(rec, task.labelColumn, 'the label column');
      } else if (raw.trim() === '') {
        ok = false;
        this.problem('empty_field', 'error', `line ${rec.line} has an empty label (column "${task.labelColumn}")`, { ...loc, field: task.labelColumn }, 'fill in the label, or remove the row');
      } else {
        label = raw.trim();
        if (this.fixedLabels !== undefined && !this.fixedLabels.includes(label)) {
          ok = false;
          this.problem(
            'label_outside_set',
            'error',
            `line ${rec.line} has label ${JSON.stringify(label)}, which is not one of the allowed labels (${this.fixedLabels.map((l) => JSON.stringify(l)).join(', ')})`,
            { ...loc, field: task.labelColumn },
            'fix the label (labels are case-sensitive), or add it to the label set',
          );
        } else this.seenLabels.add(label);
      }
    }
    if (!ok) return undefined;
    const bad = SUSPICIOUS.exec(input) ?? SUSPICIOUS.exec(output);
    if (bad) {
      const what = bad[0] === '\uFFFD' ? 'the replacement character U+FFFD (text that was decoded with the wrong encoding earlier)' : `the control character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      this.problem('encoding', 'warning', `line ${rec.line} contains ${what}`, loc, 'fix the text at its source (re-export it as UTF-8 from the original data)');
    }
    const ex: DatasetExample = { input, output, source: loc };
    if (label !== undefined) ex.label = label;
    if (this.retain) this.pending.push(ex);
    return ex;
  }

  /** Examples so far; classification outputs are filled in by `finish`. */
  finish(): BuildResult {
    const task = this.task;
    for (const col of requiredColumns(task)) {
      if (!this.columns.has(col.name)) throw missingColumnError(col.name, col.user, this.columns.list(), this.file);
    }
    if (task.kind !== 'classification') return { examples: this.pending, problems: this.problems };
    const labels = this.fixedLabels ?? [...this.seenLabels].sort();
    if (labels.length < 2) {
      throw new SpsError('INVALID_DATA', labels.length === 0 ? `no row has a label in column "${task.labelColumn}"` : `every row has the same label ${JSON.stringify(labels[0])} in column "${task.labelColumn}": classification needs at least 2 labels`, {
        location: { file: this.file, field: task.labelColumn },
        hint: 'check the label column, or use a generation task for free-form answers',
      });
    }
    const verbalizers = resolveVerbalizers(labels, task.verbalizers, task.verbalizerPrefix);
    for (const ex of this.pending) ex.output = verbalizers[ex.label as string] as string;
    return { examples: this.pending, problems: this.problems, labels, verbalizers };
  }

  private renderInto(t: CompiledTemplate, rec: DataRecord, part: 'input' | 'output', set: (text: string) => void): boolean {
    const r = t.tryRender(rec.fields);
    const loc = { file: this.file, line: rec.line };
    const missing = r.missing[0];
    if (missing !== undefined) {
      this.fieldProblem(rec, missing, `the ${t.name}`);
      return false;
    }
    if (part === 'output' && r.text.trim() === '') {
      this.problem('empty_output', 'error', `line ${rec.line}: the ${t.name} gives an empty output${r.blank.length ? ` (column ${r.blank.map((c) => `"${c}"`).join(', ')} is empty)` : ''}`, { ...loc, ...(r.blank[0] !== undefined ? { field: r.blank[0] } : {}) }, 'fill in the output, or remove the row: an example without output tokens teaches nothing');
      return false;
    }
    const blank = r.blank[0];
    if (blank !== undefined) {
      this.problem('empty_field', 'error', `line ${rec.line} has an empty value for column "${blank}", which the ${t.name} uses`, { ...loc, field: blank }, 'fill in the value, or remove the row');
      return false;
    }
    if (r.text.trim() === '') {
      this.problem('empty_field', 'error', `line ${rec.line}: the ${t.name} gives empty text`, loc, 'fill in the row, or add fixed text to the template');
      return false;
    }
    set(r.text);
    return true;
  }

  private fieldProblem(rec: DataRecord, col: string, user: string): void {
    const loc = { file: this.file, line: rec.line, field: col };
    if (rec.nested?.includes(col)) {
      this.problem('empty_field', 'error', `line ${rec.line}: column "${col}" (used by ${user}) holds a JSON object or array, not text`, loc, 'store plain text (or a number) in that field');
    } else {
      this.problem('empty_field', 'error', `line ${rec.line} has no value for column "${col}", which ${user} uses`, loc, 'fill in the value (null counts as missing), or remove the row');
    }
  }

  private problem(kind: ProblemKind, severity: Problem['severity'], message: string, location: ErrorLocation, hint: string): void {
    this.problems.push({ kind, severity, message, location, hint });
  }
}

/** Records → examples for `task` (records from `file`, for messages). */
export function buildExamples(records: Iterable<DataRecord>, task: TaskSpec, file: string): BuildResult {
  const b = new ExampleBuilder(task, file);
  for (const rec of records) b.add(rec);
  return b.finish();
}

/** Read a data file and build its examples in one pass (streaming the file). */
export async function loadExamples(
  file: string,
  task: TaskSpec,
  opts: ReadOptions = {},
): Promise<BuildResult & { format: DataFormat; rows: number; columns: string[] }> {
  const format = opts.format ?? detectFormat(file);
  const b = new ExampleBuilder(task, file);
  const columns = new ColumnSet();
  let rows = 0;
  for await (const rec of readRecords(file, { ...opts, format })) {
    if (rows === 0 && (format === 'csv' || format === 'tsv' || format === 'parquet')) b.checkColumns(Object.keys(rec.fields).concat(rec.nested ?? []));
    rows++;
    columns.add(rec);
    b.add(rec);
  }
  return { ...b.finish(), format, rows, columns: columns.list() };
}

function requiredColumns(task: TaskSpec): Array<{ name: string; user: string }> {
  const out: Array<{ name: string; user: string }> = [];
  if (task.kind === 'lm') out.push({ name: task.textColumn ?? 'text', user: 'the language-modelling task (text column)' });
  else {
    const t = compileTemplate(task.inputTemplate, 'input template');
    for (const c of t.columns) out.push({ name: c, user: `the input template ("${task.inputTemplate}")` });
    if (task.kind === 'generation') {
      const o = compileTemplate(task.outputTemplate, 'output template');
      for (const c of o.columns) out.push({ name: c, user: `the output template ("${task.outputTemplate}")` });
    } else out.push({ name: task.labelColumn, user: 'the classification task (label column)' });
  }
  return out;
}

/** Throws INVALID_DATA when a column the task needs is not among `columns`. */
export function checkTaskColumns(task: TaskSpec, columns: readonly string[], file: string): void {
  if (task.kind === 'classification' || task.kind === 'generation') checkTemplateColumns(compileTemplate(task.inputTemplate, 'input template'), columns, file);
  if (task.kind === 'generation') checkTemplateColumns(compileTemplate(task.outputTemplate, 'output template'), columns, file);
  for (const col of requiredColumns(task)) if (!columns.includes(col.name)) throw missingColumnError(col.name, col.user, columns, file);
}

function checkLabelSet(labels: unknown): string[] {
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
    throw new SpsError('INVALID_ARGUMENT', 'the label set must be a list of strings', { location: { field: 'labels' }, hint: 'e.g. ["happy", "sad"]' });
  }
  const out: string[] = [];
  for (const raw of labels as string[]) {
    const l = raw.trim();
    if (l === '') throw new SpsError('INVALID_ARGUMENT', 'the label set contains an empty label', { location: { field: 'labels' }, hint: 'remove the empty entry' });
    if (out.includes(l)) throw new SpsError('INVALID_ARGUMENT', `the label set lists ${JSON.stringify(l)} twice`, { location: { field: 'labels' }, hint: 'list each label once' });
    out.push(l);
  }
  return out;
}

/** label → verbalizer; default prefix + label. Unknown keys, empty or shared verbalizers are errors. */
export function resolveVerbalizers(labels: readonly string[], given: Record<string, string> | undefined, prefix = ' '): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(given ?? {})) {
    if (!labels.includes(key)) {
      throw new SpsError('INVALID_ARGUMENT', `there is a verbalizer for ${JSON.stringify(key)}, which is not a label (labels: ${labels.map((l) => JSON.stringify(l)).join(', ')})`, {
        location: { field: `verbalizers.${key}` },
        hint: 'labels are case-sensitive: use the label exactly as it appears in the data',
      });
    }
  }
  const owner = new Map<string, string>();
  for (const label of labels) {
    const v = given?.[label] ?? `${prefix}${label}`;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new SpsError('INVALID_ARGUMENT', `the verbalizer for ${JSON.stringify(label)} is empty`, { location: { field: `verbalizers.${label}` }, hint: 'give each label a word the model should produce, e.g. " happy"' });
    }
    const prev = owner.get(v);
    if (prev !== undefined) {
      throw new SpsError('INVALID_ARGUMENT', `labels ${JSON.stringify(prev)} and ${JSON.stringify(label)} have the same verbalizer ${JSON.stringify(v)}`, { location: { field: `verbalizers.${label}` }, hint: 'give each label a different verbalizer, or the model cannot tell them apart' });
    }
    owner.set(v, label);
    out[label] = v;
  }
  return out;
}
