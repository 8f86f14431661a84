import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';

/** Repo root: this file lives in <root>/test/helpers/. */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Folder of a shared test model, looked up so the suite runs both here and elsewhere:
 * $SPS_TEST_MODELS_DIR/<name>, then <repo>/../shared/models/<name>, then the user cache.
 */
export function testModelDir(name: string): string {
  const candidates: string[] = [];
  const envDir = process.env.SPS_TEST_MODELS_DIR;
  if (envDir) candidates.push(join(envDir, name));
  candidates.push(join(repoRoot, '..', 'shared', 'models', name));
  candidates.push(join(homedir(), '.cache', 'soft-prompt-studio', 'models', name));
  for (const dir of candidates) if (existsSync(join(dir, 'config.json'))) return dir;
  throw new Error(
    `test model "${name}" not found; looked in:\n  ${candidates.join('\n  ')}\n` +
      'set SPS_TEST_MODELS_DIR to a folder containing it (the Hugging Face-format stories260K Llama model)',
  );
}

/** The real pretrained stories260K Llama model (Hugging Face format). */
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
