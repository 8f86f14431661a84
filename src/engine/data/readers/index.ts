import { extname } from 'node:path';
import { SpsError } from '../../../shared/errors.js';
import { readCsv } from './csv.js';
import { readJson } from './json.js';
import { readJsonl } from './jsonl.js';
import { readParquet } from './parquet.js';
import { readText } from './text.js';
import type { DataFormat, DataRecord, ReadOptions } from './types.js';

export type { DataFormat, DataRecord, ReadOptions } from './types.js';
export type { ProgressFn } from './stream.js';

const BY_EXTENSION: Record<string, DataFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.txt': 'text',
  '.text': 'text',
};

export const SUPPORTED_EXTENSIONS = Object.keys(BY_EXTENSION);
export const DATA_FORMATS: readonly DataFormat[] = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'text'];

/** The format of a data file from its extension (case-insensitive). */
export function detectFormat(path: string): DataFormat {
  const ext = extname(path).toLowerCase();
  const fmt = BY_EXTENSION[ext];
  if (fmt === undefined) {
    throw new SpsError('INVALID_DATA', ext === '' ? 'the data file has no extension, so its format is unknown' : `unsupported data file type "${ext}"`, {
      location: { file: path },
      hint: `use one of ${SUPPORTED_EXTENSIONS.join(', ')} (rename the file if it already is one of these formats, or pick the format explicitly)`,
    });
  }
  return fmt;
}

/**
 * The records of a data file, streaming (see each reader for the exact rules). Structural
 * problems (missing/unreadable file, bad encoding, malformed CSV/JSON) throw an SpsError
 * naming the file and line as soon as they are met.
 */
export async function* readRecords(path: string, opts: ReadOptions = {}): AsyncGenerator<DataRecord> {
  const format = opts.format ?? detectFormat(path);
  const { onProgress, maxLineChars } = opts;
  switch (format) {
    case 'csv':
      yield* readCsv(path, { sep: ',', onProgress, maxLineChars });
      return;
    case 'tsv':
      yield* readCsv(path, { sep: '\t', onProgress, maxLineChars });
      return;
    case 'jsonl':
      yield* readJsonl(path, { onProgress, maxLineChars });
      return;
    case 'json':
      yield* readJson(path, { onProgress, maxJsonBytes: opts.maxJsonBytes });
      return;
    case 'parquet':
      yield* readParquet(path, { onProgress });
      return;
    case 'text':
      yield* readText(path, { onProgress, textMode: opts.textMode, chunkChars: opts.chunkChars, maxLineChars });
      return;
    default:
      throw new SpsError('INVALID_ARGUMENT', `unknown data format "${String(format)}"`, { location: { field: 'format' }, hint: `use one of ${DATA_FORMATS.join(', ')}` });
  }
}

/** The first `limit` records and the columns seen in them (for a preview), without reading further. */
export async function previewRecords(path: string, limit = 20, opts: ReadOptions = {}): Promise<{ format: DataFormat; records: DataRecord[]; columns: string[] }> {
  const format = opts.format ?? detectFormat(path);
  const records: DataRecord[] = [];
  const columns = new ColumnSet();
  for await (const rec of readRecords(path, { ...opts, format })) {
    records.push(rec);
    columns.add(rec);
    if (records.length >= limit) break;
  }
  return { format, records, columns: columns.list() };
}

/** Column names in order of first appearance across records. */
export class ColumnSet {
  private readonly seen = new Set<string>();
  add(rec: DataRecord): void {
    for (const k of Object.keys(rec.fields)) this.seen.add(k);
    for (const k of rec.nested ?? []) this.seen.add(k);
  }
  has(name: string): boolean {
    return this.seen.has(name);
  }
  list(): string[] {
    return [...this.seen];
  }
}
