import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { builtinModelDir } from '../../src/engine/models/builtin.js';

/**
 * Folder of a test model. The suite uses only the models built into the repository
 * (resources/models), so it needs nothing beside the checkout.
 */
export function testModelDir(name: string): string {
  return builtinModelDir(name);
}

/** The real pretrained stories260K Llama model (Hugging Face format), the built-in copy. */
export function storiesModelDir(): string {
  return testModelDir('stories260K');
}

/**
 * A fresh temporary folder per test, removed afterwards. Call at describe level; the
 * returned function gives the current test's folder.
 */
export function useTempDir(prefix = 'sps-test-'): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (!dir) throw new Error('useTempDir(): folder is only available inside a test');
    return dir;
  };
}
