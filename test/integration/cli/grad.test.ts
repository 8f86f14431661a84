import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenizeExample } from '../../../src/engine/data/example.js';
import { readJsonlExamples } from '../../../src/engine/data/jsonl_examples.js';
import { loadModel, type LoadedModel } from '../../../src/engine/models/load_model.js';
import { readSoftPrompt, writeSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { readSafetensorsHeader } from '../../../src/engine/weights/safetensors_read.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { mulberry32, randomPrompt, sps } from './cli_helpers.js';

const LINES: Array<{ input: string; output: string } | { text: string }> = [
  { input: 'Once upon a time', output: ' there was a cat named Tom.' },
  { text: 'Lily went to the park to play.' },
  { input: 'The dog', output: ' ran fast.' },
  { text: 'One day, she saw a big, red ball. She wanted it!' },
  { input: '', output: 'Tim was happy.' },
];

interface GradJson {
  loss: number;
  n_label_tokens: number;
}

function parseGrad(stdout: string): GradJson {
  const lines = stdout.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  const obj = JSON.parse(lines[0]!) as GradJson;
  expect(Object.keys(obj).sort()).toEqual(['loss', 'n_label_tokens']);
  return obj;
}

describe('sps grad on stories260K', () => {
  const modelDir = storiesModelDir();
  const tmp = useTempDir('sps-cli-grad-');
  const prompt = randomPrompt(4, 64, 20240607, 0.5);
  let model: LoadedModel;

  beforeAll(() => {
    model = loadModel(modelDir);
  });

  function writeInputs(): { promptFile: string; data: string } {
    const promptFile = join(tmp(), 'prompt.safetensors');
    writeSoftPrompt(promptFile, prompt, 'F64');
    const data = join(tmp(), 'data.jsonl');
    writeFileSync(data, LINES.map((l) => JSON.stringify(l)).join('\n') + '\n');
    return { promptFile, data };
  }

  async function grad(dtype: 'float32' | 'float64', batch?: number): Promise<{ out: GradJson; grad: Float64Array; file: string }> {
    const { promptFile, data } = writeInputs();
    const file = join(tmp(), `grad-${dtype}-${batch ?? 'dflt'}.safetensors`);
    const args = ['grad', '--model', modelDir, '--soft-prompt', promptFile, '--data', data, '--dtype', dtype, '--out', file];
    if (batch !== undefined) args.push('--batch', String(batch));
    const r = await sps(...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return { out: parseGrad(r.stdout), grad: readSoftPrompt(file, 64).data, file };
  }

  it('prints loss and n_label_tokens and writes prompt_embeddings [4, 64]', async () => {
    const { out, file } = await grad('float64');
    // Independent count: every output (or text) token is a label; a {"text"} line and an
    // empty input get BOS in front, so even their first token is labelled.
    const expected = LINES.reduce((a, l) => a + model.tokenizer.encode('text' in l ? l.text : l.output, { addSpecialTokens: false }).length, 0);
    expect(out.n_label_tokens).toBe(expected);
    expect(Number.isFinite(out.loss)).toBe(true);
    // Cross-entropy over a 512-token vocabulary: positive, and well below uniform×3.
    expect(out.loss).toBeGreaterThan(0);
    expect(out.loss).toBeLessThan(3 * Math.log(512));
    const header = readSafetensorsHeader(file);
    expect([...header.tensors.keys()]).toEqual(['prompt_embeddings']);
    const info = header.tensors.get('prompt_embeddings')!;
    expect(info.shape).toEqual([4, 64]);
    expect(info.dtype).toBe('F64');
  });

  describe('gradient against central finite differences (float64)', () => {
    let runner: TrainStepRunner;
    beforeAll(async () => {
      runner = await TrainStepRunner.create(loadModel(modelDir), 4, { dtype: 'float64' });
    });
    afterAll(async () => {
      await runner?.release();
    });

    it('agrees at 24 random coordinates to a relative error below 1e-6', async () => {
      const { out, grad: g } = await grad('float64');
      const examples = readJsonlExamples(join(tmp(), 'data.jsonl')).map((e) => tokenizeExample(model.tokenizer, e));
      const lossAt = async (data: Float64Array): Promise<number> => (await runner.lossAndGrad(softPrompt(4, 64, data), examples, 8)).loss;

      // The engine's loss at the prompt itself is what the CLI printed.
      expect(await lossAt(Float64Array.from(prompt.data))).toBeCloseTo(out.loss, 12);

      const rand = mulberry32(99);
      const coords = new Set<number>();
      while (coords.size < 24) coords.add(Math.floor(rand() * prompt.data.length));
      const eps = 1e-5;
      let maxRel = 0;
      const rows: string[] = [];
      for (const i of coords) {
        const plus = Float64Array.from(prompt.data);
        plus[i]! += eps;
        const minus = Float64Array.from(prompt.data);
        minus[i]! -= eps;
        const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * eps);
        const analytic = g[i]!;
        const rel = Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-3);
        rows.push(`${i}: analytic ${analytic.toExponential(6)} numeric ${numeric.toExponential(6)} rel ${rel.toExponential(2)}`);
        maxRel = Math.max(maxRel, rel);
      }
      console.log(`grad FD check, max relative error over 24 coordinates: ${maxRel.toExponential(3)}\n  ${rows.join('\n  ')}`);
      expect(maxRel).toBeLessThan(1e-6);
      // The gradient is not trivially zero.
      expect(Math.max(...[...coords].map((i) => Math.abs(g[i]!)))).toBeGreaterThan(1e-4);
    });
  });

  it('--batch 1 and --batch 3 give the same loss and gradient as one batch', async () => {
    const all = await grad('float64', 8);
    for (const b of [1, 3]) {
      const r = await grad('float64', b);
      expect(r.out.n_label_tokens).toBe(all.out.n_label_tokens);
      expect(Math.abs(r.out.loss - all.out.loss)).toBeLessThan(1e-12);
      let maxDiff = 0;
      for (let i = 0; i < all.grad.length; i++) maxDiff = Math.max(maxDiff, Math.abs(r.grad[i]! - all.grad[i]!));
      expect(maxDiff).toBeLessThan(1e-12);
    }
  });

  it('float32 agrees with float64 to about 1e-4', async () => {
    const f64 = await grad('float64');
    const f32 = await grad('float32');
    expect(readSafetensorsHeader(f32.file).tensors.get('prompt_embeddings')!.dtype).toBe('F32');
    expect(f32.out.n_label_tokens).toBe(f64.out.n_label_tokens);
    expect(Math.abs(f32.out.loss - f64.out.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(f64.out.loss)));
    const scale = Math.max(...f64.grad.map(Math.abs));
    let maxDiff = 0;
    for (let i = 0; i < f64.grad.length; i++) maxDiff = Math.max(maxDiff, Math.abs(f32.grad[i]! - f64.grad[i]!));
    expect(maxDiff).toBeLessThan(1e-4 * Math.max(scale, 1e-3));
    console.log(`float32 vs float64: |Δloss| ${Math.abs(f32.out.loss - f64.out.loss).toExponential(2)}, max |Δgrad| ${maxDiff.toExponential(2)} (max |grad| ${scale.toExponential(2)})`);
  });
});
