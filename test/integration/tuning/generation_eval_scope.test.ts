import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generationScope } from '../../../src/shared/metric_format.js';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { readRunJob } from '../../../src/engine/tuning/run.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { renderPromptCard, summariseMetrics } from '../../../src/engine/export/card.js';
import { sps } from '../cli/cli_helpers.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const data = join(import.meta.dirname, '..', '..', '..', 'resources', 'samples', 'story_endings.jsonl');

/**
 * Generation metrics are computed on every validation example unless the job caps them for
 * the evaluations during training; a capped number always says "on N of M examples", and the
 * run's last evaluation uses every example.
 */
describe('generation metrics: on which examples', () => {
  const tmp = useTempDir('sps-gen-scope-');

  it('states the scope of an evaluation', () => {
    expect(generationScope({ exact_match: 0.5, generation_examples: 3, validation_examples: 15 })).toBe('on 3 of 15 examples');
    expect(generationScope({ exact_match: 0.5, generation_examples: 15, validation_examples: 15 })).toBeUndefined();
    expect(generationScope({ accuracy: 1 })).toBeUndefined();
  });

  it('no cap: every evaluation scores every validation example', async () => {
    const run = join(tmp(), 'run');
    const t = await sps('tune', '--model', storiesModelDir(), '--data', data, '--task', 'generation', '--virtual-tokens', '2', '--steps', '1', '--batch', '2', '--eval-every', '1', '--out', run, '--json');
    expect(t.code, t.stderr).toBe(0);
    for (const r of readMetrics(run).filter((m) => m.kind === 'evaluation' || m.kind === 'baseline')) {
      expect(r.generation_examples).toBe(15);
      expect(r.validation_examples).toBe(15);
    }
  }, 120_000);

  it('with --generation-eval-examples 3: evaluations during training say "on 3 of 15", the last one uses all 15', async () => {
    const run = join(tmp(), 'run');
    const t = await sps('tune', '--model', storiesModelDir(), '--data', data, '--task', 'generation', '--virtual-tokens', '2', '--steps', '2', '--batch', '2', '--eval-every', '1', '--generation-eval-examples', '3', '--out', run);
    expect(t.code, t.stderr).toBe(0);
    const evals = readMetrics(run).filter((m) => m.kind === 'evaluation');
    expect(evals.map((e) => [e.step, e.generation_examples, e.validation_examples])).toEqual([
      [1, 3, 15],
      [2, 15, 15],
    ]);
    expect(t.stdout).toMatch(/eval @ step 1: .*\(exact_match, token_f1 on 3 of 15 examples\)/);
    expect(t.stdout).not.toMatch(/eval @ step 2: .*examples\)/);
    // The card says so for the columns that were capped (the baseline here).
    const card = renderPromptCard({
      runDir: run,
      run: readRunJob(run),
      checkpoint: 'final',
      step: 2,
      prompt: softPrompt(2, 64, new Float64Array(128)),
      metrics: readMetrics(run),
      nearest: { unavailable: 'not needed here' },
      exportedAt: new Date(0),
      appVersion: 'test',
    });
    expect(summariseMetrics(readMetrics(run)).baseline?.generation_examples).toBe(3);
    expect(card).toContain('Baseline (no prompt): exact match and token F1 on 3 of 15 examples');
  }, 120_000);
});
