import { readTextFile } from '../files.js';
import { SpsError } from '../../shared/errors.js';
import type { Example } from './example.js';

/**
 * Examples from a JSONL file: each non-blank line is {"input": s, "output": s} or {"text": s}.
 * Errors name the file and the 1-based line.
 */
export function readJsonlExamples(path: string): Example[] {
  const text = readTextFile(path, 'data file', 'pass a JSONL file with one {"input","output"} or {"text"} object per line');
  const examples: Example[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i === 0 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') return;
    const location = { file: path, line: i + 1 };
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      throw new SpsError('INVALID_DATA', `line ${i + 1} is not valid JSON (${(e as Error).message})`, { location, hint: 'each line must be one JSON object, e.g. {"input": "…", "output": "…"}' });
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      throw new SpsError('INVALID_DATA', `line ${i + 1} is not a JSON object`, { location, hint: 'each line must be one JSON object, e.g. {"input": "…", "output": "…"}' });
    }
    const o = obj as Record<string, unknown>;
    const str = (k: string) => {
      const v = o[k];
      if (typeof v !== 'string') throw new SpsError('INVALID_DATA', `field "${k}" on line ${i + 1} must be a string, got ${v === undefined ? 'nothing' : typeof v}`, { location: { ...location, field: k } });
      return v;
    };
    if ('text' in o && !('output' in o)) examples.push({ input: '', output: str('text'), source: location });
    else if ('output' in o) examples.push({ input: 'input' in o ? str('input') : '', output: str('output'), source: location });
    else throw new SpsError('INVALID_DATA', `line ${i + 1} has neither "output" nor "text"`, { location, hint: 'use {"input": "…", "output": "…"} or {"text": "…"}' });
  });
  if (examples.length === 0) throw new SpsError('INVALID_DATA', 'the data file has no examples', { location: { file: path } });
  return examples;
}
