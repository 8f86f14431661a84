import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { sps } from '../cli/cli_helpers.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const samples = join(import.meta.dirname, '..', '..', '..', 'resources', 'samples');

/** Splits a sample file into train and validation files (header kept for CSV). */
function splitFile(src: string, dir: string, ext: string, header: boolean, valEvery: number): { train: string; val: string } {
  const lines = readFileSync(src, 'utf8').split('\n').filter((l) => l !== '');
  const head = header ? [lines.shift()!] : [];
  const train = [...head, ...lines.filter((_, i) => i % valEvery !== 0)];
  const val = [...head, ...lines.filter((_, i) => i % valEvery === 0)];
  const paths = { train: join(dir, `train.${ext}`), val: join(dir, `val.${ext}`) };
  writeFileSync(paths.train, train.join('\n') + '\n');
  writeFileSync(paths.val, val.join('\n') + '\n');
  return paths;
}

function lastEvaluation(runDir: string): Record<string, unknown> {
  const evals = readMetrics(runDir).filter((r) => r.kind === 'evaluation');
  const { kind: _k, step: _s, best: _b, ...metrics } = evals.at(-1)!;
  return metrics;
}

function inferMetrics(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; metrics?: Record<string, unknown> });
  return lines.find((l) => l.type === 'metrics')!.metrics!;
}

/** `sps infer --data` on the run's validation file gives the run's final evaluation, exactly. */
describe('sps infer --data reproduces the final evaluation', () => {
  const tmp = useTempDir('sps-infer-eval-');

  it('classification: accuracy, macro-F1, confusion matrix and validation loss', async () => {
    const { train, val } = splitFile(join(samples, 'sentiment.csv'), tmp(), 'csv', true, 5);
    const run = join(tmp(), 'run');
    const t = await sps('tune', '--model', storiesModelDir(), '--data', train, '--val', val, '--task', 'classification', '--input-template', '{text} The story is', '--virtual-tokens', '4', '--lr', '0.3', '--steps', '12', '--batch', '4', '--eval-every', '12', '--out', run, '--json');
    expect(t.code, t.stderr).toBe(0);
    const r = await sps('infer', '--run', run, '--checkpoint', 'final', '--data', val, '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = inferMetrics(r.stdout);
    expect(got).toEqual(lastEvaluation(run));
    expect(typeof got.accuracy).toBe('number');
    const examples = r.stdout.trim().split('\n').filter((l) => l.includes('"type":"example"'));
    expect(examples).toHaveLength(40);
  });

  it('generation: exact match, token F1 and validation loss', async () => {
    const { train, val } = splitFile(join(samples, 'story_endings.jsonl'), tmp(), 'jsonl', false, 15);
    const run = join(tmp(), 'run');
    const t = await sps('tune', '--model', storiesModelDir(), '--data', train, '--val', val, '--task', 'generation', '--virtual-tokens', '4', '--lr', '0.3', '--steps', '6', '--batch', '4', '--eval-every', '6', '--out', run, '--json');
    expect(t.code, t.stderr).toBe(0);
    const r = await sps('infer', '--run', run, '--checkpoint', 'final', '--data', val, '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = inferMetrics(r.stdout);
    expect(got).toEqual(lastEvaluation(run));
    expect(typeof got.exact_match).toBe('number');
  });
});
