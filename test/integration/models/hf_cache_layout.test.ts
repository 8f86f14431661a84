import { readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ForwardRunner } from '../../../src/engine/inference/forward_runner.js';
import { loadModel, type LoadedModel } from '../../../src/engine/models/load_model.js';
import { Rng } from '../../../src/engine/tuning/rng.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { writeHfCacheModel } from '../../helpers/hf_cache_layout.js';

/**
 * A model in the Hugging Face cache layout (snapshots/<rev>/<file> → ../../blobs/<hash>) loads
 * directly and computes exactly what its copied-folder twin computes, with its weights
 * memory-mapped from the blobs (no copy).
 */

/** Bytes of `file` mapped into this process (onnxruntime maps external initializers). */
function mappedBytes(file: string): number {
  let bytes = 0;
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    if (!line.endsWith(` ${file}`)) continue;
    const [from, to] = line.split(' ')[0]!.split('-').map((h) => Number.parseInt(h, 16));
    bytes += to! - from!;
  }
  return bytes;
}

describe('Hugging Face cache layout (symlinked snapshot)', () => {
  const tmp = useTempDir('sps-hfcache-');
  let twin: LoadedModel;
  const rng = Rng.fromSeed(5);
  const prompt = softPrompt(4, 64, Float64Array.from({ length: 4 * 64 }, () => rng.nextFloat() - 0.5));
  const text = 'Lily lost her doll and cried.';

  beforeAll(() => {
    twin = loadModel(storiesModelDir());
  });

  it('loads from snapshots/<revision> and matches the copied folder bit for bit (logits, loss, gradient, tokens)', async () => {
    const { snapshot, repoDir } = writeHfCacheModel(join(tmp(), 'hub'), 'karpathy/stories260K', storiesModelDir());
    const snapshotModel = loadModel(snapshot);
    expect(snapshotModel.spec).toEqual(twin.spec);
    const ids = snapshotModel.tokenizer.encode(text, { addSpecialTokens: true });
    expect(ids).toEqual(twin.tokenizer.encode(text, { addSpecialTokens: true }));

    const sequences = [ids, ids.slice(0, 5)];
    const at = ids.map((_, j) => [0, j] as [number, number]);
    const logits = async (m: LoadedModel) => {
      const r = await ForwardRunner.create(m, prompt.numVirtualTokens, { dtype: 'float32' });
      try {
        return Array.from((await r.logits(prompt, sequences, at)).data);
      } finally {
        await r.release();
      }
    };
    const a = await logits(snapshotModel);
    expect(a).toEqual(await logits(twin));
    expect(a.every(Number.isFinite)).toBe(true);

    const examples = [{ ids: [...ids, ...twin.tokenizer.encode('sad', { addSpecialTokens: false })], labelStart: ids.length }];
    const step = async (m: LoadedModel) => {
      const r = await TrainStepRunner.create(m, prompt.numVirtualTokens, { dtype: 'float64' });
      try {
        return await r.step(prompt, examples);
      } finally {
        await r.release();
      }
    };
    const s = await step(snapshotModel);
    const t = await step(twin);
    expect(s.loss).toBe(t.loss);
    expect(Array.from(s.grad)).toEqual(Array.from(t.grad));
    expect(repoDir).toContain('models--karpathy--stories260K');
  });

  it.runIf(process.platform === 'linux')('memory-maps the weights from blobs/ (zero-copy), as much as for a plain folder', async () => {
    const { repoDir } = writeHfCacheModel(join(tmp(), 'hub'), 'karpathy/stories260K', storiesModelDir());
    const model = loadModel(join(repoDir, 'snapshots', '0123456789abcdef0123456789abcdef01234567'));
    const blobPath = realpathSync(model.weights.files[0]!);
    expect(blobPath.startsWith(realpathSync(join(repoDir, 'blobs')))).toBe(true);
    const plainPath = realpathSync(twin.weights.files[0]!);
    const cached = await ForwardRunner.create(model, 0, { dtype: 'float32' });
    const plain = await ForwardRunner.create(twin, 0, { dtype: 'float32' });
    try {
      const fromBlob = mappedBytes(blobPath);
      const fromPlain = mappedBytes(plainPath);
      expect(fromBlob).toBeGreaterThan(0);
      expect(fromBlob).toBe(fromPlain);
    } finally {
      await cached.release();
      await plain.release();
    }
  });

  it('refuses a snapshot whose weights link outside the cache repo folder, naming the file', () => {
    const { snapshot } = writeHfCacheModel(join(tmp(), 'hub'), 'org/escape', storiesModelDir());
    rmSync(join(snapshot, 'model.safetensors'));
    symlinkSync(join(storiesModelDir(), 'model.safetensors'), join(snapshot, 'model.safetensors'));
    const err = expectSpsError(() => loadModel(snapshot), 'UNSUPPORTED_MODEL', 'model.safetensors', 'outside the Hugging Face cache repo folder');
    expect(err.hint).toContain('cp -rL');
  });
});
