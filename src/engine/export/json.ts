import { writeFileSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import { fileError, readJsonFile } from '../files.js';
import { softPrompt, type SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * JSON soft prompts:
 * `{"format":"sps-soft-prompt","version":1,"num_virtual_tokens":n,"dim":d,"dtype":"float64","data":[[…d numbers]…n rows]}`.
 *
 * Numbers are written with JavaScript's shortest round-trip representation, which parses back
 * to the same float64, so the file round-trips bit for bit. JSON.stringify would write -0 as
 * `0`; we write `-0` (valid JSON, parsed back as -0). NaN and ±Infinity have no JSON form and
 * are refused.
 */
export const PROMPT_JSON_FORMAT = 'sps-soft-prompt';
export const PROMPT_JSON_VERSION = 1;

const EXPECTED_SHAPE = `{"format": "${PROMPT_JSON_FORMAT}", "version": 1, "num_virtual_tokens": n, "dim": d, "dtype": "float64", "data": [[d numbers] × n]}`;

export function encodePromptJson(p: SoftPrompt): string {
  const rows: string[] = [];
  for (let r = 0; r < p.numVirtualTokens; r++) {
    const cells: string[] = [];
    for (let c = 0; c < p.dim; c++) {
      const v = p.data[r * p.dim + c]!;
      if (!Number.isFinite(v)) {
        throw new SpsError('INVALID_DATA', `the prompt has a non-finite value (${v}) at virtual token ${r}, column ${c}; JSON cannot hold it`, { location: { field: `data[${r}][${c}]` }, hint: 'export a checkpoint whose values are finite' });
      }
      cells.push(Object.is(v, -0) ? '-0' : String(v));
    }
    rows.push(`[${cells.join(',')}]`);
  }
  return (
    `{"format":"${PROMPT_JSON_FORMAT}","version":${PROMPT_JSON_VERSION},"num_virtual_tokens":${p.numVirtualTokens},"dim":${p.dim},"dtype":"float64","data":[\n` +
    rows.join(',\n') +
    '\n]}\n'
  );
}

export function writePromptJson(path: string, p: SoftPrompt): void {
  const text = encodePromptJson(p);
  try {
    writeFileSync(path, text, { flag: 'wx' });
  } catch (err) {
    throw fileError(err, path, 'JSON output file');
  }
}

/** Reads a soft prompt JSON file written by encodePromptJson; `expectDim` checks the width. */
export function readPromptJson(path: string, expectDim?: number): SoftPrompt {
  return promptFromJson(readJsonFile(path, 'soft prompt JSON file', `expected ${EXPECTED_SHAPE}`), path, expectDim);
}

export function promptFromJson(value: unknown, file: string, expectDim?: number): SoftPrompt {
  const bad = (message: string, field: string): SpsError => new SpsError('INVALID_DATA', message, { location: { file, field }, hint: `expected ${EXPECTED_SHAPE}` });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('the file is not a JSON object', 'format');
  const o = value as Record<string, unknown>;
  if (o.format !== PROMPT_JSON_FORMAT) throw bad(`"format" is ${JSON.stringify(o.format)}, expected "${PROMPT_JSON_FORMAT}"`, 'format');
  if (o.version !== PROMPT_JSON_VERSION) throw bad(`"version" is ${JSON.stringify(o.version)}, expected ${PROMPT_JSON_VERSION}`, 'version');
  if (o.dtype !== 'float64' && o.dtype !== 'float32') throw bad(`"dtype" is ${JSON.stringify(o.dtype)}, expected "float64" (or "float32")`, 'dtype');
  const n = o.num_virtual_tokens;
  const d = o.dim;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw bad(`"num_virtual_tokens" is ${JSON.stringify(n)}, expected a whole number ≥ 1`, 'num_virtual_tokens');
  if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) throw bad(`"dim" is ${JSON.stringify(d)}, expected a whole number ≥ 1`, 'dim');
  if (expectDim !== undefined && d !== expectDim) {
    throw new SpsError('TENSOR_MISMATCH', `the soft prompt is ${d} wide but the model's hidden size is ${expectDim}`, { location: { file, field: 'dim' }, hint: 'use a prompt trained for this model (its width must equal hidden_size)' });
  }
  const rows = o.data;
  if (!Array.isArray(rows) || rows.length !== n) {
    throw bad(`"data" must be a list of num_virtual_tokens = ${n} rows, got ${Array.isArray(rows) ? `${rows.length} rows` : JSON.stringify(typeof rows)}`, 'data');
  }
  const out = new Float64Array(n * d);
  rows.forEach((row: unknown, r) => {
    if (!Array.isArray(row) || row.length !== d) {
      throw bad(`row ${r} must be a list of dim = ${d} numbers, got ${Array.isArray(row) ? `${row.length} values` : JSON.stringify(row)}`, `data[${r}]`);
    }
    row.forEach((v: unknown, c) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`value ${JSON.stringify(v)} is not a finite number`, `data[${r}][${c}]`);
      out[r * d + c] = o.dtype === 'float32' ? Math.fround(v) : v;
    });
  });
  return softPrompt(n, d, out);
}
