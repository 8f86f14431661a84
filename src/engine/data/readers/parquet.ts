import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { TextDecoder } from 'node:util';
import { SpsError } from '../../../shared/errors.js';
import { fileError } from '../../files.js';
import { statDataFile, type ProgressFn } from './stream.js';
import type { DataRecord } from './types.js';

/**
 * Parquet via hyparquet (pure JS), one row group at a time, so memory is bounded by the
 * largest row group. Only flat columns: a struct/list/map column is an error naming it.
 * `line` is the 1-based row number. Values: strings as they are; numbers, bigints and
 * booleans stringified; dates as ISO 8601; null left out; binary that is valid UTF-8 as text.
 */
export async function* readParquet(path: string, opts: { onProgress?: ProgressFn } = {}): AsyncGenerator<DataRecord> {
  const total = await statDataFile(path);
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== undefined) throw fileError(err, path, 'data file');
    throw new SpsError('INVALID_DATA', `the file is not a valid Parquet file (${(err as Error).message})`, {
      location: { file: path },
      hint: 'check that the file was written completely (re-export it), and that it really is Parquet and not CSV or JSON with a .parquet name',
      cause: err,
    });
  }
  const schema = parquetSchema(metadata);
  const columns: string[] = [];
  for (const child of schema.children) {
    const el = child.element;
    const kind = child.children.length > 0 ? nestedKind(el.converted_type, el.logical_type?.type) : el.repetition_type === 'REPEATED' ? 'repeated (list)' : undefined;
    if (kind !== undefined) {
      throw new SpsError('INVALID_DATA', `column "${el.name}" is a nested column (${kind}); only flat columns (text, numbers, booleans) are supported`, {
        location: { file: path, field: el.name },
        hint: `flatten or drop it before export, e.g. in pandas \`df["${el.name}"] = df["${el.name}"].astype(str)\` or \`df.drop(columns=["${el.name}"])\``,
      });
    }
    columns.push(el.name);
  }
  const numRows = Number(metadata.num_rows);
  let rowStart = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const group of metadata.row_groups) {
    const groupRows = Number(group.num_rows);
    if (groupRows === 0) continue;
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd: rowStart + groupRows });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== undefined) throw fileError(err, path, 'data file');
      throw new SpsError('INVALID_DATA', `rows ${rowStart + 1}–${rowStart + groupRows} of the Parquet file cannot be decoded (${(err as Error).message})`, {
        location: { file: path, line: rowStart + 1 },
        hint: 're-export the file (uncompressed, snappy, gzip, brotli and zstd are supported), or convert it to CSV or JSONL',
        cause: err,
      });
    }
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as Record<string, unknown>;
      const line = rowStart + r + 1;
      const fields: Record<string, string> = {};
      for (const name of columns) {
        const v = row[name];
        if (v === null || v === undefined) continue;
        fields[name] = valueToString(v, decoder, path, line, name);
      }
      yield { fields, line };
    }
    rowStart += groupRows;
    opts.onProgress?.(Math.round((total * rowStart) / Math.max(1, numRows)), total);
  }
  if (rowStart === 0) {
    opts.onProgress?.(total, total);
    throw new SpsError('INVALID_DATA', 'the Parquet file has no rows', { location: { file: path }, hint: 'export the data again with its rows' });
  }
}

function nestedKind(converted: string | undefined, logical: string | undefined): string {
  if (converted === 'LIST' || logical === 'LIST') return 'list';
  if (converted === 'MAP' || converted === 'MAP_KEY_VALUE' || logical === 'MAP') return 'map';
  return 'struct';
}

function valueToString(v: unknown, decoder: TextDecoder, path: string, line: number, name: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    try {
      return decoder.decode(v);
    } catch {
      throw new SpsError('INVALID_DATA', `row ${line}, column "${name}" holds binary data that is not UTF-8 text`, {
        location: { file: path, line, field: name },
        hint: 'store text columns as UTF-8 strings, or drop the binary column',
      });
    }
  }
  // A JSON/variant logical type decoded to an object: keep it as JSON text.
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}
