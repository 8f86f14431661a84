import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LayerStack, type BackwardMode } from '../../../src/engine/layerwise/layer_stack.js';
import { rowCount } from '../../../src/engine/graphs/rows.js';
import { WeightFeeder } from '../../../src/engine/runtime/weight_feeder.js';
import { tensor } from '../../../src/engine/runtime/session.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
import { goldenCase, loadGolden } from '../../helpers/golden.js';

/**
 * The last layer run on kept rows only (LayerStack `outputRows`: its output projection and MLP
 * on the label rows) returns exactly those rows of the whole top, and its backward, fed their
 * gradient, gives the input gradient the whole stack gives for that gradient with zeros on
 * every other row. Rows out of order, one repeated, a prompt row and a padded sequence
 * included; float64, on an architecture of each block kind.
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-output-rows-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([['llama'], ['qwen3'], ['gpt2']] as const)('%s: last layer on kept rows', (variant) => {
  const { model } = goldenCase(golden, variant, root);
  const d = model.spec.hiddenSize;
  const [n, B, L] = [2, 2, 5];
  const N = rowCount(n, B, L);
  const rand = mulberry32(7);
  const h0 = Float64Array.from({ length: N * d }, () => rand() - 0.5);
  const mask = tensor('int64', [B, L], BigInt64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], BigInt));
  const rows = [10, 3, 1, 7, 3];
  const gradRows = Float64Array.from({ length: rows.length * d }, () => rand() - 0.5);

  it.each([['recompute'], ['saved']] as const)('forward and %s backward equal the whole stack on those rows', async (backward: BackwardMode) => {
    const feeder = new WeightFeeder();
    const stack = await LayerStack.create(model, feeder, { dtype: 'float64', backward, numVirtualTokens: n, outputRows: true });
    try {
      const whole = await stack.forwardAll(h0, mask);
      const kept = await stack.forwardAll(h0, mask, true, tensor('int64', [rows.length], BigInt64Array.from(rows, BigInt)));
      expect(kept.top.length).toBe(rows.length * d);
      let worst = 0;
      rows.forEach((r, k) => {
        for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(kept.top[k * d + j]! - whole.top[r * d + j]!));
      });
      expect(worst).toBeLessThan(1e-12);

      const scattered = new Float64Array(N * d);
      rows.forEach((r, k) => {
        for (let j = 0; j < d; j++) scattered[r * d + j] = scattered[r * d + j]! + gradRows[k * d + j]!;
      });
      const gWhole = await stack.backwardAll(whole, scattered);
      const gKept = await stack.backwardAll(kept, gradRows);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < gWhole.length; i++) {
        diff = Math.max(diff, Math.abs(gKept[i]! - gWhole[i]!));
        scale = Math.max(scale, Math.abs(gWhole[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-12);
    } finally {
      await stack.release();
      feeder.close();
    }
  });
});

describe('when the last layer keeps rows (LayerStack.keepsRows)', () => {
  it('only for a pass that reads at most half of the rows, and only when the stack was made for it', async () => {
    const { model } = goldenCase(golden, 'llama', root);
    const feeder = new WeightFeeder();
    const kept = await LayerStack.create(model, feeder, { dtype: 'float64', backward: false, numVirtualTokens: 2, outputRows: true });
    const whole = await LayerStack.create(model, feeder, { dtype: 'float64', backward: false, numVirtualTokens: 2 });
    try {
      expect([kept.keepsRows(0, 12), kept.keepsRows(1, 12), kept.keepsRows(6, 12), kept.keepsRows(7, 12), kept.keepsRows(12, 12)]).toEqual([false, true, true, false, false]);
      expect(whole.keepsRows(1, 12)).toBe(false);
    } finally {
      await kept.release();
      await whole.release();
      feeder.close();
    }
  });
});
