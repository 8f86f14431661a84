import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { shouldPrepack } from '../../../src/engine/layerwise/strategy.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

describe('shouldPrepack', () => {
  it('pre-packs while two packed copies of the weights stay under an eighth of the memory', () => {
    const model = loadModel(storiesModelDir());
    let bytes = 0;
    for (const t of model.weights.tensors.values()) bytes += t.byteLength;
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(shouldPrepack(model, 24 * 2 ** 30)).toBe(true);
    expect(shouldPrepack(model, 16 * bytes + 8)).toBe(true);
    expect(shouldPrepack(model, 16 * bytes)).toBe(false);
  });
});
