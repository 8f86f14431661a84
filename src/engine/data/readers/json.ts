import { SpsError } from '../../../shared/errors.js';
import { jsonErrorPosition } from '../../files.js';
import { describeJson, objectToRecord } from './jsonl.js';
import { readTextChunks, statDataFile, type ProgressFn } from './stream.js';
import type { DataRecord } from './types.js';

/**
 * A .json file holding an array of objects. It is parsed whole (JSON.parse needs the whole
 * text), so files above `maxJsonBytes` (default 200 MB) are refused with a hint to use JSONL,
 * which streams. Memory use is a few times the file size while it is parsed.
 */
export const DEFAULT_MAX_JSON_BYTES = 200 * 1000 * 1000;

const SHAPE_HINT = 'the file must be one JSON array of objects, e.g. [{"text": "…", "label": "…"}, …] (or use JSONL: one object per line)';

export async function* readJson(path: string, opts: { onProgress?: ProgressFn; maxJsonBytes?: number } = {}): AsyncGenerator<DataRecord> {
  const max = opts.maxJsonBytes ?? DEFAULT_MAX_JSON_BYTES;
  const size = await statDataFile(path);
  if (size > max) {
    throw new SpsError('INVALID_DATA', `the JSON file is ${(size / 1e6).toFixed(0)} MB; JSON files are read whole, up to ${(max / 1e6).toFixed(0)} MB`, {
      location: { file: path },
      hint: 'convert it to JSON Lines (.jsonl, one object per line), which is read as a stream, e.g. `jq -c ".[]" in.json > out.jsonl`',
    });
  }
  const parts: string[] = [];
  for await (const chunk of readTextChunks(path, opts.onProgress)) parts.push(chunk);
  const text = parts.join('');
  parts.length = 0;
  if (text.trim() === '') throw new SpsError('INVALID_DATA', 'the file is empty', { location: { file: path, line: 1 }, hint: SHAPE_HINT });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorPosition(text);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    throw new SpsError('INVALID_DATA', `line ${line}, column ${col}: the file is not valid JSON (${(err as Error).message})`, {
      location: { file: path, line },
      hint: 'fix the JSON syntax there (a trailing comma or a missing quote is the usual cause)',
      cause: err,
    });
  }
  if (!Array.isArray(value)) {
    let hint = SHAPE_HINT;
    if (typeof value === 'object' && value !== null) {
      const arrayKey = Object.entries(value).find(([, v]) => Array.isArray(v))?.[0];
      if (arrayKey !== undefined) hint = `the rows seem to be under the key "${arrayKey}": save that array alone as the file's content, e.g. \`jq -c '.${JSON.stringify(arrayKey)}[]' in.json > out.jsonl\``;
    }
    throw new SpsError('INVALID_DATA', `the file holds ${describeJson(value)}, not an array of objects`, { location: { file: path, line: 1 }, hint });
  }
  if (value.length === 0) throw new SpsError('INVALID_DATA', 'the JSON array is empty', { location: { file: path, line: 1 }, hint: SHAPE_HINT });
  const lines = elementLines(text);
  for (let k = 0; k < value.length; k++) {
    const el: unknown = value[k];
    const line = lines[k] ?? 1;
    if (typeof el !== 'object' || el === null || Array.isArray(el)) {
      throw new SpsError('INVALID_DATA', `element ${k + 1} of the array (line ${line}) is ${describeJson(el)}, not an object`, { location: { file: path, line }, hint: SHAPE_HINT });
    }
    yield objectToRecord(el as Record<string, unknown>, line);
  }
}

/** 1-based line on which each element of the top-level array starts (text is valid JSON). */
export function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inStr = false;
  let esc = false;
  let atStart = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (depth === 1 && atStart && c !== ']') {
      lines.push(line);
      atStart = false;
    }
    if (c === '"') inStr = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) atStart = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) atStart = true;
  }
  return lines;
}
