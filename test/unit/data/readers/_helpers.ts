import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { SpsError, type SpsErrorCode } from '../../../../src/shared/errors.js';
import { readRecords, type DataRecord, type ReadOptions } from '../../../../src/engine/data/readers/index.js';

/** A temp folder for this test file, removed afterwards. */
export function tempDir(): { dir: string; write: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'sps-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
  };
}

export async function collect(path: string, opts: ReadOptions = {}): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of readRecords(path, opts)) out.push(r);
  return out;
}

export interface ExpectedError {
  /** The message must name this file. */
  file?: string;
  /** location.line must be this, and the message must say `file:line`. */
  line?: number;
  /** location.field must be this, and the message must name it. */
  field?: string;
  /** Other text the message must contain. */
  parts?: string[];
  /** Text the hint must contain. */
  hint?: string;
}

/** Run `fn`, expect an SpsError with `code` that says where (file/line/field) and what to do (hint). */
export async function expectDataError(fn: () => unknown, code: SpsErrorCode, exp: ExpectedError = {}): Promise<SpsError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected an SpsError').toBeInstanceOf(SpsError);
  const err = thrown as SpsError;
  expect(err.code, err.message).toBe(code);
  if (exp.file !== undefined) {
    expect(err.location?.file, err.message).toBe(exp.file);
    expect(err.message).toContain(exp.file);
  }
  if (exp.line !== undefined) {
    expect(err.location?.line, err.message).toBe(exp.line);
    expect(err.message).toContain(exp.file !== undefined ? `${exp.file}:${exp.line}` : `line ${exp.line}`);
  }
  if (exp.field !== undefined) {
    expect(err.location?.field, err.message).toBe(exp.field);
    expect(err.message).toContain(exp.field);
  }
  for (const p of exp.parts ?? []) expect(err.message).toContain(p);
  expect(err.hint, `no suggestion in: ${err.message}`).toBeTruthy();
  expect((err.hint ?? '').length).toBeGreaterThan(10);
  if (exp.hint !== undefined) expect(err.hint).toContain(exp.hint);
  return err;
}
