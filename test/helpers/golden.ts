import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenizedExample } from '../../src/engine/data/example.js';
import { loadModel, type LoadedModel } from '../../src/engine/models/load_model.js';
import { softPrompt, type SoftPrompt } from '../../src/engine/tuning/soft_prompt.js';
import { writeTinyModel, type TinyVariant } from '../fixtures/tiny/tiny_models.js';

/** One model's entry in test/fixtures/golden/tiny_models.json (made by scripts/golden/make_golden.py). */
export interface GoldenModel {
  num_virtual_tokens: number;
  prompt: { shape: [number, number]; data: number[] };
  input_ids: number[][];
  attention_mask: number[][];
  labels: number[][];
  logits: { positions: [number, number][]; vocab_size: number; data: number[] };
  loss: number;
  num_label_tokens: number;
  grad_prompt: { shape: [number, number]; data: number[] };
  /** "<variant>@transformers5" entries: the config.json transformers 5 wrote for those weights. */
  config_json?: Record<string, unknown>;
  same_weights_as?: string;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadGolden(): Record<string, GoldenModel> {
  const json = JSON.parse(readFileSync(join(root, 'test/fixtures/golden/tiny_models.json'), 'utf8')) as { models: Record<string, GoldenModel> };
  return json.models;
}

export function goldenPrompt(g: GoldenModel): SoftPrompt {
  return softPrompt(g.prompt.shape[0], g.prompt.shape[1], Float64Array.from(g.prompt.data));
}

/** The golden batch as our tokenized examples: real tokens only, labels as a contiguous tail. */
export function goldenExamples(g: GoldenModel): TokenizedExample[] {
  return g.input_ids.map((row, b) => {
    const len = g.attention_mask[b]!.reduce((a, m) => a + m, 0);
    const labels = g.labels[b]!;
    const labelStart = labels.findIndex((l) => l !== -100);
    for (let j = labelStart; j < len; j++) if (labels[j] !== row[j]) throw new Error(`golden labels of row ${b} are not a contiguous tail`);
    return { ids: row.slice(0, len), labelStart };
  });
}

/** The tiny model of `variant` written under `root` and loaded, with its golden entry, prompt and batch. */
export function goldenCase(golden: Record<string, GoldenModel>, variant: TinyVariant, root: string): { g: GoldenModel; dir: string; model: LoadedModel; prompt: SoftPrompt; examples: TokenizedExample[] } {
  const g = golden[variant]!;
  const dir = join(root, variant);
  writeTinyModel(variant, dir);
  return { g, dir, model: loadModel(dir), prompt: goldenPrompt(g), examples: goldenExamples(g) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Largest absolute difference over the largest magnitude of `b`: a relative error for whole arrays. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / den;
}
