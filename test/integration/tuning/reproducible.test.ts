import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { finalPromptBytes, flagsToArgv, sentimentFlags, sps, trainRecords } from './tuning_helpers.js';

/** Same seed → the same run, bit for bit; another seed → another run. */
describe('reproducibility: a seed fixes the whole run', () => {
  const tmp = useTempDir('sps-repro-');

  async function tune(name: string, seed: string): Promise<string> {
    const out = join(tmp(), name);
    // grad-accum 2 so the accumulation order is covered too.
    const r = await sps('tune', ...flagsToArgv(sentimentFlags({ seed, steps: '16', 'grad-accum': '2', 'eval-every': '8', 'checkpoint-every': '8', out, json: true })));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return out;
  }

  it('two runs with the same seed have identical loss curves and prompts; another seed differs', async () => {
    const a = await tune('a', '5');
    const b = await tune('b', '5');
    const c = await tune('c', '6');

    const curveA = trainRecords(a);
    const curveB = trainRecords(b);
    const curveC = trainRecords(c);
    expect(curveA.map((r) => r.step)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // Bitwise: Object.is on every loss, gradient norm and learning rate.
    expect(curveB.length).toBe(curveA.length);
    curveA.forEach((r, i) => {
      const s = curveB[i]!;
      expect(Object.is(s.loss, r.loss) && Object.is(s.gradNorm, r.gradNorm) && Object.is(s.lr, r.lr), `step ${r.step}: ${JSON.stringify(r)} vs ${JSON.stringify(s)}`).toBe(true);
    });
    expect(finalPromptBytes(b).equals(finalPromptBytes(a))).toBe(true);
    // Evaluations (the validation split is seeded too) agree as well.
    const evals = (d: string) => readMetrics(d).filter((m) => m.kind === 'evaluation' || m.kind === 'baseline');
    expect(evals(b)).toEqual(evals(a));

    // Another seed: another initial prompt, data order and split → another curve and prompt.
    expect(curveC.map((r) => r.lr)).toEqual(curveA.map((r) => r.lr));
    const sameLosses = curveC.filter((r, i) => r.loss === curveA[i]!.loss).length;
    expect(sameLosses).toBe(0);
    expect(finalPromptBytes(c).equals(finalPromptBytes(a))).toBe(false);
  });
});
