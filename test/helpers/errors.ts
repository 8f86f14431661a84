import { expect } from 'vitest';
import { SpsError, type SpsErrorCode } from '../../src/shared/errors.js';

/**
 * Assert that `fn` throws an SpsError with `code` whose message contains every one of
 * `parts` (file names, field names: what a user needs to find the problem). Returns it.
 */
export function expectSpsError(fn: () => unknown, code: SpsErrorCode, ...parts: string[]): SpsError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected an SpsError to be thrown').toBeInstanceOf(SpsError);
  const err = thrown as SpsError;
  expect(err.code, err.message).toBe(code);
  for (const part of parts) expect(err.message).toContain(part);
  return err;
}
