/**
 * Shared pieces of the end-to-end tests: the real server on a temp data dir, the sample
 * dataset, and the built renderer (required: the tests exercise what `sps serve` ships).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_DEFAULTS, type JobConfig } from '../../src/shared/job.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { storiesModelDir } from '../helpers/fixtures.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const rendererDir = join(repoRoot, 'dist', 'renderer');
export const SENTIMENT_CSV = join(repoRoot, 'resources', 'samples', 'sentiment.csv');
/** Screenshots and other artifacts (gitignored). */
export const artifactsDir = join(repoRoot, 'test-artifacts', 'e2e');

/** Throws (fails the test) when the renderer has not been built. */
export function requireBuiltRenderer(): string {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the built renderer is missing (${join(rendererDir, 'index.html')}): run \`npm run build:renderer\` before the e2e tests`);
  }
  return rendererDir;
}

export interface E2eServer {
  server: RunningServer;
  root: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The real web server (`sps serve`) over a fresh temporary data folder. */
export async function startE2eServer(prefix: string): Promise<E2eServer> {
  const renderer = requireBuiltRenderer();
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(root, 'data');
  const warnings: string[] = [];
  // Web mode reads only under allowed roots: the test model's folder is granted as `--allow-dir` would.
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, runsDir: join(root, 'runs'), allowDirs: [dirname(storiesModelDir())], rendererDir: renderer, warn: (m) => warnings.push(m), shutdownTimeoutMs: 10_000 });
  if (warnings.length > 0) throw new Error(`unexpected server warnings: ${warnings.join('; ')}`);
  return {
    server,
    root,
    dataDir,
    close: async () => {
      try {
        await server.close();
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A quick classification job on the sentiment sample with the real stories260K model. */
export function quickSentimentJob(training: Partial<JobConfig['training']> = {}): JobConfig {
  return {
    version: 1,
    model: { path: storiesModelDir() },
    data: { train: SENTIMENT_CSV, validationFraction: JOB_DEFAULTS.data.validationFraction },
    task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
    prompt: { numVirtualTokens: 4, init: 'random' },
    training: { ...JOB_DEFAULTS.training, learningRate: 0.3, batchSize: 4, steps: 40, evalEvery: 20, checkpointEvery: 20, ...training },
    device: 'cpu',
  };
}

export function ensureArtifactsDir(): string {
  mkdirSync(artifactsDir, { recursive: true });
  return artifactsDir;
}

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
