import { SpsError } from '../../../shared/errors.js';
import { jsonErrorPosition } from '../../files.js';
import { readLines, type ProgressFn } from './stream.js';
import type { DataRecord } from './types.js';

/** What a JSON value is, in words, for error messages. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (of ${v.length} item${v.length === 1 ? '' : 's'})`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
  if (typeof v === 'number') return `a number (${v})`;
  if (typeof v === 'boolean') return `a boolean (${v})`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/**
 * Flatten one JSON object into string fields: strings as they are, numbers and booleans
 * stringified, null left out; objects/arrays are left out too and listed in `nested`.
 */
export function objectToRecord(obj: Record<string, unknown>, line: number): DataRecord {
  const fields: Record<string, string> = {};
  let nested: string[] | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') fields[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') fields[k] = String(v);
    else (nested ??= []).push(k);
  }
  return nested ? { fields, line, nested } : { fields, line };
}

/** JSON Lines: one object per non-blank line, streaming. */
export async function* readJsonl(path: string, opts: { onProgress?: ProgressFn; maxLineChars?: number } = {}): AsyncGenerator<DataRecord> {
  let rows = 0;
  const hint = 'each line must be one JSON object, e.g. {"text": "…", "label": "…"}';
  for await (const { text, line, offset, bytes } of readLines(path, { ...opts, kind: 'line' })) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const col = jsonErrorPosition(text) + 1;
      throw new SpsError('INVALID_DATA', `line ${line}, column ${col} is not valid JSON (${(err as Error).message})`, {
        location: { file: path, line },
        hint: `${hint}; a trailing comma, a missing quote or a line break inside a string is the usual cause`,
        cause: err,
      });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new SpsError('INVALID_DATA', `line ${line} is ${describeJson(value)}, not a JSON object`, { location: { file: path, line }, hint });
    }
    rows++;
    yield { ...objectToRecord(value as Record<string, unknown>, line), span: { offset, bytes } };
  }
  if (rows === 0) {
    throw new SpsError('INVALID_DATA', 'the file is empty (no JSON lines)', { location: { file: path, line: 1 }, hint });
  }
}
