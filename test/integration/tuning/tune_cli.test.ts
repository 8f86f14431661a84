import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { flagsToArgv, parseJsonLines, sentimentFlags, sps, STORY_ENDINGS, stateOf, type CliResult } from './tuning_helpers.js';

/** `sps tune` end to end on the sample data, and its companions `runs` and `eval`. */

describe('sps tune on the sentiment sample learns, and runs / eval agree with it', () => {
  let root: string;
  let run: string;
  let tune: CliResult;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sps-tune-'));
    run = join(root, 'sentiment');
    // As in the README: no --model, so the built-in stories260K is used.
    tune = await sps('tune', ...flagsToArgv(sentimentFlags({ model: false, steps: '300', batch: '8', 'eval-every': '50', seed: '42', out: run, json: true })));
  }, 120_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('exits 0 and --json output is valid JSON lines ending in finished(completed)', () => {
    expect(tune.code, tune.stdout + tune.stderr).toBe(0);
    expect(tune.stderr).toBe('');
    const all = parseJsonLines(tune.stdout);
    // Reading and (small data) tokenizing come before the first step.
    const started = all.findIndex((e) => e.type === 'started');
    expect(all.slice(started).some((e) => e.type === 'tokenizing' || e.type === 'loading')).toBe(false);
    const events = all.filter((e) => e.type !== 'loading' && e.type !== 'tokenizing');
    expect(events[0]?.type).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: 300 });
    expect(events.filter((e) => e.type === 'progress').length).toBe(300);
  });

  it('without --model it tuned the built-in model, and job.json says so', () => {
    const file = JSON.parse(readFileSync(join(run, 'job.json'), 'utf8')) as { job: { model: { path: string } } };
    expect(file.job.model.path).toBe(storiesModelDir());
  });

  it('the best evaluation beats the zero-shot baseline by at least 0.2 accuracy', () => {
    const metrics = readMetrics(run);
    const baseline = metrics.find((m) => m.kind === 'baseline');
    const evals = metrics.filter((m) => m.kind === 'evaluation');
    expect(evals.map((e) => e.step)).toEqual([50, 100, 150, 200, 250, 300]);
    const best = Math.max(...evals.map((e) => e.accuracy as number));
    const base = baseline!.accuracy as number;
    expect(typeof base).toBe('number');
    expect(best - base, `baseline ${base}, best ${best}`).toBeGreaterThanOrEqual(0.2 - 1e-9);
  });

  it('`sps runs DIR --json` lists the run as completed with its best metric', async () => {
    const r = await sps('runs', root, '--json');
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.length).toBe(1);
    const evals = readMetrics(run).filter((m) => m.kind === 'evaluation');
    const bestEval = evals.filter((e) => e.best === true).at(-1)!;
    expect(rows[0]).toMatchObject({ run: resolve(run), status: 'completed', step: 300, totalSteps: 300, task: 'classification', best: { metric: 'accuracy', value: bestEval.accuracy, step: bestEval.step } });
    expect(stateOf(run).best).toEqual(rows[0]!.best);
  });

  it('`sps eval RUN --json` on the run’s own validation split reproduces the best evaluation exactly', async () => {
    const r = await sps('eval', run, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { checkpoint: string; examples: number; metrics: Record<string, unknown> };
    const bestEval = readMetrics(run)
      .filter((m) => m.kind === 'evaluation' && m.best === true)
      .at(-1)!;
    expect(out.checkpoint).toBe('best');
    expect(out.examples).toBe(20);
    expect(out.metrics.accuracy).toBe(bestEval.accuracy);
    expect(out.metrics.confusion_matrix).toEqual(bestEval.confusion_matrix);
    // Same graph, same batches: the loss agrees to float rounding.
    expect(out.metrics.val_loss as number).toBeCloseTo(bestEval.val_loss as number, 9);
  });
});

describe('sps tune refuses bad jobs with exit 2, naming the field', () => {
  const tmp = useTempDir('sps-tune-bad-');
  const base = () => sentimentFlags({ steps: '2' });

  async function expectRefused(r: CliResult, ...parts: Array<string | RegExp>): Promise<void> {
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l !== '').length, r.stderr).toBe(1);
    for (const p of parts) {
      if (typeof p === 'string') expect(r.stderr).toContain(p);
      else expect(r.stderr).toMatch(p);
    }
  }

  it('--lr -1 (ambiguous: looks like a flag) and --lr=-1 (out of range)', async () => {
    const out = join(tmp(), 'run');
    await expectRefused(await sps('tune', ...flagsToArgv({ ...base(), out }), '--lr', '-1'), '--lr');
    await expectRefused(await sps('tune', ...flagsToArgv({ ...base(), out }), '--lr=-1'), 'training.learningRate', '-1');
    // Nothing was created for a refused job.
    expect(readdirSync(tmp())).toEqual([]);
  });

  it('missing --task', async () => {
    const { task: _task, ...flags } = base();
    await expectRefused(await sps('tune', ...flagsToArgv({ ...flags, out: join(tmp(), 'run') })), '--task is required', '[--task]');
  });

  it('--init text without --init-text', async () => {
    await expectRefused(await sps('tune', ...flagsToArgv({ ...base(), init: 'text', out: join(tmp(), 'run') })), 'prompt.initText', 'is required');
  });

  it('no validation file and --val-fraction 0', async () => {
    await expectRefused(await sps('tune', ...flagsToArgv({ ...base(), 'val-fraction': '0', out: join(tmp(), 'run') })), 'data.validationFraction', 'validation file');
  });

  it('a malformed number names its flag', async () => {
    await expectRefused(await sps('tune', ...flagsToArgv({ ...base(), batch: 'four', out: join(tmp(), 'run') })), '--batch', '"four"');
  });

  it('--out pointing at a non-empty folder is refused with a hint to use sps resume', async () => {
    const out = join(tmp(), 'taken');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'keep me\n');
    const r = await sps('tune', ...flagsToArgv({ ...base(), out }));
    await expectRefused(r, 'not empty', `sps resume ${out}`, '[--out]');
    expect(readdirSync(out)).toEqual(['notes.txt']);
  });
});

describe('sps tune on a generation task', () => {
  const tmp = useTempDir('sps-tune-gen-');

  it('reports exact_match and token_f1 for the baseline and each evaluation', async () => {
    const out = join(tmp(), 'gen');
    const r = await sps('tune', '--model', storiesModelDir(), '--data', STORY_ENDINGS, '--task', 'generation', '--virtual-tokens', '8', '--lr', '0.3', '--steps', '60', '--batch', '4', '--eval-every', '60', '--out', out, '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const metrics = readMetrics(out);
    const scored = metrics.filter((m) => m.kind === 'baseline' || m.kind === 'evaluation');
    expect(scored.map((m) => `${String(m.kind)}@${String(m.step)}`)).toEqual(['baseline@0', 'evaluation@60']);
    for (const m of scored) {
      for (const k of ['exact_match', 'token_f1', 'val_loss']) {
        expect(typeof m[k], `${k} in ${JSON.stringify(m)}`).toBe('number');
        expect(Number.isFinite(m[k])).toBe(true);
      }
      expect(m.exact_match as number).toBeGreaterThanOrEqual(0);
      expect(m.exact_match as number).toBeLessThanOrEqual(1);
      expect(m.token_f1 as number).toBeGreaterThanOrEqual(0);
      expect(m.token_f1 as number).toBeLessThanOrEqual(1);
    }
    // The default metric for generation is val_loss; the run records its best.
    expect(stateOf(out).best).toMatchObject({ metric: 'val_loss' });
  });
});
