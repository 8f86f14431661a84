/**
 * The models the device bench compares on: the bench shapes of bench/synthetic_model.ts
 * (SmolLM2-135M, Qwen2.5-0.5B, Qwen2.5-1.5B) in BF16, as those checkpoints ship, plus two tiny
 * shapes for a run on lavapipe — each with the batch the device bench runs. The folders are
 * written by synthetic_model.ts (random weights, the tiny test tokenizer: the bench feeds ids).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureShapedModel, QWEN05_SHAPE, QWEN15_SHAPE, SMOLLM_SHAPE, type BenchShape } from '../synthetic_model.js';

export { tensorPlan } from '../synthetic_model.js';

export interface ModelShape extends BenchShape {
  /** The bench batch for this shape: B × (virtual + L) tokens, the last `labels` of each labelled. */
  batch: { B: number; L: number; virtual: number; labels: number };
}

const BENCH_BATCH = { B: 8, L: 128, virtual: 20, labels: 32 };
const TINY_BATCH = { B: 2, L: 16, virtual: 4, labels: 4 };
const TINY = { hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, maxPositions: 4096, tied: true, dtype: 'BF16' } as const;

export const SHAPES: Record<string, ModelShape> = {
  'smollm2-135m': { ...SMOLLM_SHAPE, dtype: 'BF16', batch: BENCH_BATCH },
  'qwen2.5-0.5b': { ...QWEN05_SHAPE, dtype: 'BF16', batch: BENCH_BATCH },
  'qwen2.5-1.5b': { ...QWEN15_SHAPE, dtype: 'BF16', batch: BENCH_BATCH },
  // Small shapes: the whole script end to end on a software adapter (lavapipe) in a minute.
  'tiny-llama': { ...TINY, name: 'tiny-llama', modelType: 'llama', intermediate: 128, vocab: 512, ropeTheta: 10000, eps: 1e-5, batch: TINY_BATCH },
  'tiny-qwen2': { ...TINY, name: 'tiny-qwen2', modelType: 'qwen2', intermediate: 160, vocab: 640, ropeTheta: 1000000, eps: 1e-6, batch: TINY_BATCH },
};

/**
 * Writes the folder `root/name` unless an identical one is there, and the batch the device
 * bench runs on it (device-batch.json, read by peft_device.py); returns its path.
 */
export function ensureShapeModel(name: string, root: string, log: (m: string) => void = () => {}): string {
  const s = SHAPES[name];
  if (!s) throw new Error(`unknown shape ${name} (one of ${Object.keys(SHAPES).join(', ')})`);
  const { batch: _batch, ...shape } = s;
  const { dir } = ensureShapedModel(join(root, name), shape, log);
  writeFileSync(join(dir, 'device-batch.json'), `${JSON.stringify(s.batch)}\n`);
  return dir;
}
