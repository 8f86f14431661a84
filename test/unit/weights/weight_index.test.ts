import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWeightLocations, externalDataRoot, openWeightIndex, relativeWeightPath, similarNames } from '../../../src/engine/weights/weight_index.js';
import { readTensorAsFloat32 } from '../../../src/engine/weights/safetensors_read.js';
import { writeSafetensors, type TensorToWrite } from '../../../src/engine/weights/safetensors_write.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const t = (name: string, shape: number[], fill: number): TensorToWrite => ({
  name,
  dtype: 'F32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
});

function writeIndex(dir: string, weightMap: Record<string, string>): void {
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2));
}

describe('openWeightIndex', () => {
  const tmp = useTempDir();

  it('opens a single model.safetensors', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'model.safetensors'), [t('model.embed_tokens.weight', [4, 2], 1), t('model.norm.weight', [2], 2)]);
    const idx = openWeightIndex(dir);
    expect(idx.dir).toBe(dir);
    expect(idx.files).toEqual([join(dir, 'model.safetensors')]);
    expect(idx.get('model.norm.weight', [2]).shape).toEqual([2]);
    expect(relativeWeightPath(idx, idx.get('model.norm.weight'))).toBe('model.safetensors');
  });

  it('opens a sharded model through its index', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), [t('a.weight', [2, 3], 1), t('b.weight', [3], 2)]);
    mkdirSync(join(dir, 'sub'));
    writeSafetensors(join(dir, 'sub', 'model-00002-of-00002.safetensors'), [t('c.weight', [5], 3), t('unlisted', [1], 0)]);
    writeIndex(dir, {
      'a.weight': 'model-00001-of-00002.safetensors',
      'b.weight': 'model-00001-of-00002.safetensors',
      'c.weight': 'sub/model-00002-of-00002.safetensors',
    });
    const idx = openWeightIndex(dir);
    expect(idx.files).toEqual([join(dir, 'model-00001-of-00002.safetensors'), join(dir, 'sub', 'model-00002-of-00002.safetensors')]);
    expect([...idx.tensors.keys()].sort()).toEqual(['a.weight', 'b.weight', 'c.weight']); // the index decides
    const c = idx.get('c.weight', [5]);
    expect(c.file).toBe(join(dir, 'sub', 'model-00002-of-00002.safetensors'));
    expect(Array.from(readTensorAsFloat32(c))).toEqual([3, 3, 3, 3, 3]);
    expect(relativeWeightPath(idx, c)).toBe('sub/model-00002-of-00002.safetensors');
  });

  it('get() reports missing tensors with similar names, and shape mismatches', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'model.safetensors'), [
      t('model.layers.0.self_attn.q_proj.weight', [4, 4], 0),
      t('model.layers.0.self_attn.k_proj.weight', [2, 4], 0),
      t('model.norm.weight', [4], 0),
    ]);
    const idx = openWeightIndex(dir);
    const err = expectSpsError(() => idx.get('model.layers.0.self_attn.v_proj.weight', undefined, 'layer 0 attention'), 'MISSING_TENSOR', 'v_proj', 'layer 0 attention');
    expect(err.hint).toContain('model.layers.0.self_attn.q_proj.weight');
    expect(err.hint).toContain('model.layers.0.self_attn.k_proj.weight');
    expectSpsError(() => idx.get('model.layers.0.self_attn.k_proj.weight', [4, 4]), 'TENSOR_MISMATCH', 'k_proj', '[2, 4]', 'expected [4, 4]', 'model.safetensors');
    expectSpsError(() => idx.get('model.norm.weight', [4, 1]), 'TENSOR_MISMATCH', 'model.norm.weight');
  });

  it('explains a folder without weights, mentioning PyTorch .bin files', () => {
    const dir = tmp();
    expectSpsError(() => openWeightIndex(dir), 'FILE_NOT_FOUND', dir, 'model.safetensors', 'model.safetensors.index.json');
    writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
    expectSpsError(() => openWeightIndex(dir), 'FILE_NOT_FOUND', 'pytorch_model.bin', 'not supported', 'convert');
    expectSpsError(() => openWeightIndex(join(dir, 'missing')), 'FILE_NOT_FOUND', 'missing');
    expectSpsError(() => openWeightIndex(join(dir, 'pytorch_model.bin')), 'NOT_A_DIRECTORY', 'pytorch_model.bin');
  });

  it('rejects an index pointing at a missing shard', () => {
    const dir = tmp();
    writeIndex(dir, { 'a.weight': 'model-00001-of-00002.safetensors' });
    expectSpsError(() => openWeightIndex(dir), 'FILE_NOT_FOUND', 'model-00001-of-00002.safetensors', 'a.weight');
  });

  it('refuses shard paths that escape the folder', () => {
    for (const bad of ['../other.safetensors', '/etc/passwd', 'sub/../../x.safetensors', 'C:\\x.safetensors', '..\\x.safetensors']) {
      const dir = tmp();
      writeIndex(dir, { 'a.weight': bad });
      expectSpsError(() => openWeightIndex(dir), 'INVALID_SAFETENSORS', 'model.safetensors.index.json', bad);
    }
  });

  it('rejects a tensor listed in the index but absent from its shard', () => {
    const dir = tmp();
    writeSafetensors(join(dir, 'shard.safetensors'), [t('a.weight', [1], 1)]);
    writeIndex(dir, { 'a.weight': 'shard.safetensors', 'b.weight': 'shard.safetensors' });
    expectSpsError(() => openWeightIndex(dir), 'MISSING_TENSOR', 'b.weight', 'shard.safetensors');
  });

  it('rejects an index without weight_map, or with invalid JSON', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"metadata": {}}');
    expectSpsError(() => openWeightIndex(dir), 'INVALID_SAFETENSORS', 'model.safetensors.index.json', 'weight_map');
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{\n  "weight_map": {\n    "a": "x",\n  }\n}');
    const err = expectSpsError(() => openWeightIndex(dir), 'INVALID_JSON', 'model.safetensors.index.json');
    expect(err.location?.line).toBe(4);
  });

  it('a Hugging Face cache snapshot is rooted at its repo folder: paths into ../../blobs are accepted', () => {
    const root = tmp();
    mkdirSync(join(root, 'blobs'));
    mkdirSync(join(root, 'snapshots', 'abc'), { recursive: true });
    writeSafetensors(join(root, 'blobs', 'deadbeef'), [t('w', [2], 1)]);
    symlinkSync('../../blobs/deadbeef', join(root, 'snapshots', 'abc', 'model.safetensors'));
    const idx = openWeightIndex(join(root, 'snapshots', 'abc'));
    const w = idx.get('w', [2]);
    expect(Array.from(readTensorAsFloat32(w))).toEqual([1, 1]);
    expect(externalDataRoot(idx.dir)).toBe(realpathSync(root));
    expect(relativeWeightPath(idx, w)).toBe('blobs/deadbeef');
    expect(() => checkWeightLocations(idx)).not.toThrow();
  });

  it('refuses a snapshot symlink that escapes the cache repo folder, and a plain folder\'s symlink out of it', () => {
    const root = tmp();
    const repo = join(root, 'models--org--m');
    mkdirSync(join(repo, 'blobs'), { recursive: true });
    mkdirSync(join(repo, 'snapshots', 'abc'), { recursive: true });
    mkdirSync(join(root, 'elsewhere'));
    writeSafetensors(join(root, 'elsewhere', 'w.safetensors'), [t('w', [2], 1)]);
    symlinkSync('../../../elsewhere/w.safetensors', join(repo, 'snapshots', 'abc', 'model.safetensors'));
    const idx = openWeightIndex(join(repo, 'snapshots', 'abc'));
    const err = expectSpsError(() => checkWeightLocations(idx), 'UNSUPPORTED_MODEL', 'model.safetensors', 'outside the Hugging Face cache repo folder', 'elsewhere');
    expect(err.hint).toContain('cp -rL');
    expectSpsError(() => relativeWeightPath(idx, idx.get('w')), 'UNSUPPORTED_MODEL', 'outside the Hugging Face cache repo folder');

    const plain = join(root, 'plain');
    mkdirSync(plain);
    symlinkSync('../elsewhere/w.safetensors', join(plain, 'model.safetensors'));
    const err2 = expectSpsError(() => checkWeightLocations(openWeightIndex(plain)), 'UNSUPPORTED_MODEL', 'outside the model folder', 'onnxruntime');
    expect(err2.hint).toContain('cp -rL');
  });

  it('relativeWeightPath accepts a symlinked model folder and symlinks that stay inside it', () => {
    const root = tmp();
    mkdirSync(join(root, 'real', 'blobs'), { recursive: true });
    writeSafetensors(join(root, 'real', 'blobs', 'x'), [t('w', [1], 1)]);
    symlinkSync('blobs/x', join(root, 'real', 'model.safetensors'));
    symlinkSync('real', join(root, 'link'));
    const idx = openWeightIndex(join(root, 'link'));
    expect(relativeWeightPath(idx, idx.get('w'))).toBe('blobs/x');
  });

  it('opens the real stories260K weights', () => {
    const idx = openWeightIndex(storiesModelDir());
    expect(idx.tensors.size).toBe(47);
    expect(idx.get('model.embed_tokens.weight', [512, 64]).dtype).toBe('F32');
    expect(idx.get('model.layers.4.self_attn.k_proj.weight', [32, 64]).shape).toEqual([32, 64]); // 4 kv heads × head_dim 8
    expect(relativeWeightPath(idx, idx.get('model.norm.weight'))).toBe('model.safetensors');
  });
});

describe('similarNames', () => {
  it('ranks by edit distance', () => {
    expect(similarNames('lm_head.weight', ['model.norm.weight', 'lm_head.bias', 'lm_heads.weight'], 2)).toEqual(['lm_heads.weight', 'lm_head.bias']);
  });
});
