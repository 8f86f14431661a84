import { closeSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import { ExampleBuilder, type DatasetExample, type Problem, type ProblemKind, type TaskSpec } from './dataset.js';
import { csvRowFromSpan } from './readers/csv.js';
import { objectToRecord } from './readers/jsonl.js';
import { ColumnSet, detectFormat, readRecords } from './readers/index.js';
import type { DataFormat, DataRecord, ReadOptions } from './readers/types.js';

/**
 * The first pass over a data file: every row is read and checked exactly as `loadExamples`
 * does (same problems, same label set), but only an index of the usable examples is kept:
 * their label ids and, for line formats (JSONL, text lines) and CSV/TSV, where each row's bytes are, so an
 * example can be rebuilt on its own later (in any order). Other formats keep the examples'
 * texts (not their tokens): JSON arrays and Parquet. Memory: 16 bytes per example for the others.
 */

/** Problems listed per kind (the counts are always complete). */
export const SHOWN_PROBLEMS_PER_KIND = 20;

export interface ProblemSummary {
  /** Count per kind and severity, e.g. { "empty_field:error": 3 }. */
  counts: Record<string, number>;
  /** The first SHOWN_PROBLEMS_PER_KIND of each kind, in file order. */
  shown: Problem[];
  errors: number;
  warnings: number;
}

/** JSON-serialisable part of the index (kept in the cache's meta.json). */
export interface IndexSummary {
  file: string;
  format: DataFormat;
  rows: number;
  columns: string[];
  /** Usable examples (rows without an error). */
  count: number;
  labels?: string[];
  verbalizers?: Record<string, string>;
  problems: ProblemSummary;
  /** Whether examples can be rebuilt from byte spans (line formats). */
  spans: boolean;
}

export interface ExampleIndex extends IndexSummary {
  /** Classification: class index of each example. */
  labelIds?: Int32Array;
  /** The line (row number for Parquet) each example starts on, for messages and predictions. */
  lines?: Uint32Array;
  /** A 53-bit hash of each example's input and output (label): duplicates and train/validation overlap. */
  keys?: Float64Array;
  /** Line formats: byte offset and length of each example's row. */
  spanOffsets?: Float64Array;
  spanBytes?: Uint32Array;
  /** Other formats: the examples themselves (texts, not tokens). */
  texts?: DatasetExample[];
}

/**
 * A typed array of unknown final length, grown in fixed chunks (not by doubling, which would
 * hold up to three times the final size at its peak: a 2 GB corpus has ~9M rows).
 */
class Growable<T extends Float64Array | Uint32Array | Int32Array> {
  private static readonly CHUNK = 1 << 18;
  length = 0;
  private readonly chunks: T[] = [];
  private current: T;
  private used = 0;
  constructor(private readonly make: (n: number) => T) {
    this.current = make(1024);
  }
  push(v: number): void {
    if (this.used === this.current.length) {
      if (this.current.length < Growable.CHUNK) {
        const next = this.make(Math.min(Growable.CHUNK, this.current.length * 4));
        next.set(this.current);
        this.current = next;
      } else {
        this.chunks.push(this.current);
        this.current = this.make(Growable.CHUNK);
        this.used = 0;
      }
    }
    this.current[this.used++] = v;
    this.length++;
  }
  /** The values in one array of exactly their length. */
  done(): T {
    const out = this.make(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    out.set(this.current.subarray(0, this.used), o);
    return out;
  }
}

class ProblemCollector {
  readonly counts: Record<string, number> = {};
  readonly shown: Problem[] = [];
  errors = 0;
  warnings = 0;
  private readonly perKind = new Map<ProblemKind, number>();
  add(p: Problem): void {
    const key = `${p.kind}:${p.severity}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    if (p.severity === 'error') this.errors++;
    else this.warnings++;
    const k = this.perKind.get(p.kind) ?? 0;
    if (k < SHOWN_PROBLEMS_PER_KIND) this.shown.push(p);
    this.perKind.set(p.kind, k + 1);
  }
  summary(): ProblemSummary {
    return { counts: this.counts, shown: this.shown, errors: this.errors, warnings: this.warnings };
  }
}

/**
 * Most characters of example text kept in memory for formats whose rows cannot be read again
 * on their own (JSON arrays, Parquet, text in chunks): about 100–200 MB of strings.
 */
export const MAX_IN_MEMORY_TEXT_CHARS = 100_000_000;

/** Reads `file` once and indexes its usable examples for `task`. */
export async function indexExamples(file: string, task: TaskSpec, opts: ReadOptions = {}, what: { keys?: boolean; maxTextChars?: number } = {}): Promise<ExampleIndex> {
  const format = opts.format ?? detectFormat(file);
  const b = new ExampleBuilder(task, file, false);
  const columns = new ColumnSet(); // the builder keeps its own, for the columns the task needs
  const problems = new ProblemCollector();
  // Formats whose rows can be read again on their own from their bytes (CSV/TSV rows carry their spans too).
  const lineFormat = format === 'jsonl' || format === 'csv' || format === 'tsv' || (format === 'text' && (opts.textMode ?? 'lines') === 'lines');
  const offsets = new Growable((n) => new Float64Array(n));
  const bytes = new Growable((n) => new Uint32Array(n));
  const rawLabels = new Growable((n) => new Int32Array(n));
  const lines = new Growable((n) => new Uint32Array(n));
  const keys = new Growable((n) => new Float64Array(n));
  const labelOrder = new Map<string, number>();
  const texts: DatasetExample[] = [];
  let rows = 0;
  let seenProblems = 0;
  let textChars = 0;
  const maxTextChars = what.maxTextChars ?? MAX_IN_MEMORY_TEXT_CHARS;
  for await (const rec of readRecords(file, { ...opts, format })) {
    if (rows === 0 && (format === 'csv' || format === 'tsv' || format === 'parquet')) b.checkColumns(Object.keys(rec.fields).concat(rec.nested ?? []));
    rows++;
    columns.add(rec);
    const ex = b.add(rec);
    while (seenProblems < b.problems.length) problems.add(b.problems[seenProblems++]!);
    // The builder's list is ours to trim: the collector keeps counts and the first of each kind.
    if (b.problems.length > 4096) {
      b.problems.length = 0;
      seenProblems = 0;
    }
    if (!ex) continue;
    lines.push(rec.line);
    // Hashing every character costs about as much as parsing: only when duplicates are wanted.
    if (what.keys) keys.push(exampleHash(ex.input, ex.label ?? ex.output));
    if (ex.label !== undefined) {
      let id = labelOrder.get(ex.label);
      if (id === undefined) labelOrder.set(ex.label, (id = labelOrder.size));
      rawLabels.push(id);
    }
    if (lineFormat && rec.span) {
      offsets.push(rec.span.offset);
      bytes.push(rec.span.bytes);
    } else {
      textChars += ex.input.length + ex.output.length;
      if (textChars > maxTextChars) {
        throw new SpsError('INVALID_DATA', `the dataset is too large for the ${format === 'text' ? 'text chunks' : format.toUpperCase()} format: its examples are held in memory, and they pass ${maxTextChars.toLocaleString('en-US')} characters at line ${rec.line}`, {
          location: { file, line: rec.line },
          hint: 'convert it to JSONL (one JSON object per line) or CSV: those are read row by row from the file at any size',
        });
      }
      texts.push(ex);
    }
  }
  const finished = b.finish(); // throws on a missing column / an unusable label set
  const count = lineFormat ? offsets.length : texts.length;
  const out: ExampleIndex = { file, format, rows, columns: columns.list(), count, problems: problems.summary(), spans: lineFormat, lines: lines.done(), ...(what.keys ? { keys: keys.done() } : {}) };
  if (finished.labels && finished.verbalizers) {
    out.labels = finished.labels;
    out.verbalizers = finished.verbalizers;
    const remap = new Int32Array(labelOrder.size);
    for (const [label, id] of labelOrder) remap[id] = finished.labels.indexOf(label);
    const ids = rawLabels.done();
    for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]!]!;
    out.labelIds = ids;
    for (const ex of texts) ex.output = finished.verbalizers[ex.label!]!;
  }
  if (lineFormat) {
    out.spanOffsets = offsets.done();
    out.spanBytes = bytes.done();
  } else out.texts = texts;
  return out;
}

/**
 * cyrb53 (a public-domain 53-bit string hash) of input NUL output: what duplicate and overlap
 * checks compare. Exact in a float64; a false match needs ~10^8 examples to become likely.
 */
export function exampleHash(input: string, output: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  const mix = (c: number) => {
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  };
  for (let i = 0; i < input.length; i++) mix(input.charCodeAt(i));
  mix(0);
  for (let i = 0; i < output.length; i++) mix(output.charCodeAt(i));
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The JSON part of an index. */
export function indexSummary(ix: ExampleIndex): IndexSummary {
  const { file, format, rows, columns, count, labels, verbalizers, problems, spans } = ix;
  return { file, format, rows, columns, count, ...(labels ? { labels } : {}), ...(verbalizers ? { verbalizers } : {}), problems, spans };
}

/**
 * Writes the binary part of an index: [count u32][flags u32] then byte spans, label ids,
 * lines, hashes, array after array (atomically: temp file + rename), never all in one buffer.
 */
export function writeIndexArrays(path: string, ix: ExampleIndex): void {
  const n = ix.count;
  const flags = (ix.labelIds ? 1 : 0) | (ix.spanOffsets ? 2 : 0) | (ix.lines ? 4 : 0) | (ix.keys ? 8 : 0);
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    const put = (a: Uint8Array): void => {
      let done = 0;
      while (done < a.length) done += writeSync(fd, a, done, a.length - done);
    };
    put(new Uint8Array(new Uint32Array([n, flags]).buffer));
    for (const a of [ix.spanOffsets, ix.spanBytes, ix.labelIds, ix.lines, ix.keys]) {
      if (a) put(new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** An index back from its summary and the file writeIndexArrays wrote (read straight into its arrays). */
export function readIndexArrays(summary: IndexSummary, path: string): ExampleIndex {
  const fd = openSync(path, 'r');
  try {
    let pos = 0;
    const fill = (a: Uint8Array): void => {
      let got = 0;
      while (got < a.length) {
        const k = readSync(fd, a, got, a.length - got, pos + got);
        if (k === 0) throw new SpsError('INVALID_DATA', 'token cache index file is shorter than its meta.json says', { location: { file: path }, hint: 'delete the cache folder; it is rebuilt on the next run' });
        got += k;
      }
      pos += a.length;
    };
    const head = new Uint32Array(2);
    fill(new Uint8Array(head.buffer));
    const [n, flags] = [head[0]!, head[1]!];
    if (n !== summary.count) throw new SpsError('INVALID_DATA', 'token cache index does not match its meta.json', { location: { file: path }, hint: 'delete the cache folder; it is rebuilt on the next run' });
    const read = <T extends Float64Array | Uint32Array | Int32Array>(a: T): T => {
      fill(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      return a;
    };
    const out: ExampleIndex = { ...summary };
    if (flags & 2) {
      out.spanOffsets = read(new Float64Array(n));
      out.spanBytes = read(new Uint32Array(n));
    }
    if (flags & 1) out.labelIds = read(new Int32Array(n));
    if (flags & 4) out.lines = read(new Uint32Array(n));
    if (flags & 8) out.keys = read(new Float64Array(n));
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Rebuilds examples of an index by number: from their rows' bytes (line formats, read with
 * positional reads) or from the texts kept in memory.
 */
export class ExampleTexts {
  private fd: number | undefined;
  private readonly builder: ExampleBuilder;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly index: ExampleIndex,
    task: TaskSpec,
  ) {
    // Rebuilt rows are known to be good; a fixed label set makes the builder give their labels back.
    const t: TaskSpec = task.kind === 'classification' && index.labels ? { ...task, labels: index.labels } : task;
    this.builder = new ExampleBuilder(t, index.file, false);
  }

  get count(): number {
    return this.index.count;
  }

  example(i: number): DatasetExample {
    const ix = this.index;
    if (ix.texts) return ix.texts[i]!;
    if (!ix.spanOffsets || !ix.spanBytes) throw new SpsError('INTERNAL', 'example index has neither texts nor spans');
    this.fd ??= openSync(ix.file, 'r');
    const len = ix.spanBytes[i]!;
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, ix.spanOffsets[i]! + got);
      if (n === 0) throw changedFile(ix.file);
      got += n;
    }
    let rec: DataRecord;
    try {
      const text = this.decoder.decode(buf);
      if (ix.format === 'jsonl') rec = objectToRecord(JSON.parse(text) as Record<string, unknown>, 0);
      else if (ix.format === 'csv' || ix.format === 'tsv') {
        const r = csvRowFromSpan(ix.file, ix.format === 'csv' ? ',' : '\t', ix.columns, text);
        if (!r) throw changedFile(ix.file);
        rec = r;
      } else rec = { fields: { text }, line: 0 };
    } catch {
      throw changedFile(ix.file);
    }
    const ex = this.builder.add(rec);
    this.builder.problems.length = 0; // known from the first pass
    if (!ex) throw changedFile(ix.file);
    if (ix.verbalizers && ex.label !== undefined) ex.output = ix.verbalizers[ex.label]!;
    return ex;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function changedFile(file: string): SpsError {
  return new SpsError('INVALID_DATA', 'the data file changed while it was being used', { location: { file }, hint: 'do not edit a data file during a run; start the run again' });
}

/** Reads a JSON file written by this module. */
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
