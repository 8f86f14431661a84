import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import { ExampleBuilder, type DatasetExample, type Problem, type ProblemKind, type TaskSpec } from './dataset.js';
import { objectToRecord } from './readers/jsonl.js';
import { ColumnSet, detectFormat, readRecords } from './readers/index.js';
import type { DataFormat, DataRecord, ReadOptions } from './readers/types.js';

/**
 * The first pass over a data file: every row is read and checked exactly as `loadExamples`
 * does (same problems, same label set), but only an index of the usable examples is kept:
 * their label ids and, for line formats (JSONL, text lines), where each row's bytes are, so an
 * example can be rebuilt on its own later (in any order). Other formats keep the examples'
 * texts (not their tokens). Memory: 16 bytes per example for line formats.
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

class Growable<T extends Float64Array | Uint32Array | Int32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(Math.max(1024, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): T {
    return this.data.slice(0, this.length) as T;
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

/** Reads `file` once and indexes its usable examples for `task`. */
export async function indexExamples(file: string, task: TaskSpec, opts: ReadOptions = {}, what: { keys?: boolean } = {}): Promise<ExampleIndex> {
  const format = opts.format ?? detectFormat(file);
  const b = new ExampleBuilder(task, file, false);
  const columns = new ColumnSet(); // the builder keeps its own, for the columns the task needs
  const problems = new ProblemCollector();
  const lineFormat = format === 'jsonl' || (format === 'text' && (opts.textMode ?? 'lines') === 'lines');
  const offsets = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  const bytes = new Growable(new Uint32Array(1024), (n) => new Uint32Array(n));
  const rawLabels = new Growable(new Int32Array(1024), (n) => new Int32Array(n));
  const lines = new Growable(new Uint32Array(1024), (n) => new Uint32Array(n));
  const keys = new Growable(new Float64Array(1024), (n) => new Float64Array(n));
  const labelOrder = new Map<string, number>();
  const texts: DatasetExample[] = [];
  let rows = 0;
  let seenProblems = 0;
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
    } else texts.push(ex);
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

/** The binary part of an index: [count u32][flags u32] then byte spans, label ids, lines. */
export function encodeIndexArrays(ix: ExampleIndex): Buffer {
  const n = ix.count;
  const hasLabels = ix.labelIds ? 1 : 0;
  const hasSpans = ix.spanOffsets ? 2 : 0;
  const hasLines = ix.lines ? 4 : 0;
  const hasKeys = ix.keys ? 8 : 0;
  const parts: Buffer[] = [Buffer.from(new Uint32Array([n, hasLabels | hasSpans | hasLines | hasKeys]).buffer)];
  if (ix.spanOffsets) parts.push(Buffer.from(ix.spanOffsets.buffer, ix.spanOffsets.byteOffset, n * 8));
  if (ix.spanBytes) parts.push(Buffer.from(ix.spanBytes.buffer, ix.spanBytes.byteOffset, n * 4));
  if (ix.labelIds) parts.push(Buffer.from(ix.labelIds.buffer, ix.labelIds.byteOffset, n * 4));
  if (ix.lines) parts.push(Buffer.from(ix.lines.buffer, ix.lines.byteOffset, n * 4));
  if (ix.keys) parts.push(Buffer.from(ix.keys.buffer, ix.keys.byteOffset, n * 8));
  return Buffer.concat(parts);
}

/** An index back from its summary and binary part (texts are not stored: line formats only). */
export function decodeIndex(summary: IndexSummary, bin: Buffer): ExampleIndex {
  const n = bin.readUInt32LE(0);
  const flags = bin.readUInt32LE(4);
  if (n !== summary.count) throw new SpsError('INVALID_DATA', 'token cache index does not match its meta.json');
  const copy = (off: number, len: number): ArrayBuffer => bin.buffer.slice(bin.byteOffset + off, bin.byteOffset + off + len) as ArrayBuffer;
  let off = 8;
  const out: ExampleIndex = { ...summary };
  if (flags & 2) {
    out.spanOffsets = new Float64Array(copy(off, n * 8));
    off += n * 8;
    out.spanBytes = new Uint32Array(copy(off, n * 4));
    off += n * 4;
  }
  if (flags & 1) {
    out.labelIds = new Int32Array(copy(off, n * 4));
    off += n * 4;
  }
  if (flags & 4) {
    out.lines = new Uint32Array(copy(off, n * 4));
    off += n * 4;
  }
  if (flags & 8) out.keys = new Float64Array(copy(off, n * 8));
  return out;
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
      else rec = { fields: { text }, line: 0 };
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
