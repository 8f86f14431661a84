import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeNpy, writeNpy } from '../../../src/engine/export/npy.js';
import { encodePromptJson, writePromptJson } from '../../../src/engine/export/json.js';
import { peftAdapterConfig, writePeftAdapter } from '../../../src/engine/export/peft.js';
import { writePromptSafetensors } from '../../../src/engine/export/safetensors.js';
import { readSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { readSafetensorsHeader } from '../../../src/engine/weights/safetensors_read.js';
import { writeSafetensors } from '../../../src/engine/weights/safetensors_write.js';
import { expectSpsError } from '../../helpers/errors.js';
import { useTempDir } from '../../helpers/fixtures.js';

/** Awkward float64 values: signed zeros, subnormals, extremes, and ordinary numbers. */
function awkward(n: number, d: number): SoftPrompt {
  const special = [0, -0, 1, -1, 1 / 3, Math.PI, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 1e-45, -3.4e38, 123456.789, 0.1];
  const out = new Float64Array(n * d);
  let x = 0.987654321;
  for (let i = 0; i < out.length; i++) {
    x = (x * 9301 + 0.49297) % 1;
    out[i] = i < special.length ? special[i]! : (x - 0.5) * 10 ** ((i % 7) - 3);
  }
  return softPrompt(n, d, out);
}

/** The same prompt with values a float32 can hold (no overflow to Infinity). */
function f32Safe(p: SoftPrompt): SoftPrompt {
  return softPrompt(p.numVirtualTokens, p.dim, p.data.map((v) => (Math.abs(v) > 3e38 ? 2.5 : v)));
}

function bits(a: Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameBits(actual: SoftPrompt, expected: SoftPrompt): void {
  expect([actual.numVirtualTokens, actual.dim]).toEqual([expected.numVirtualTokens, expected.dim]);
  expect(bits(actual.data).equals(bits(expected.data))).toBe(true);
}

function rounded32(p: SoftPrompt): SoftPrompt {
  return softPrompt(p.numVirtualTokens, p.dim, p.data.map(Math.fround));
}

const SPEC = { hiddenSize: 8, numLayers: 5, numHeads: 2 };

describe('export → import round trips', () => {
  const tmp = useTempDir('sps-export-');
  const p = awkward(3, 8);
  const p32 = f32Safe(p);

  it('JSON is bit-exact in float64, -0 and subnormals included', () => {
    const file = join(tmp(), 'p.json');
    writePromptJson(file, p);
    const back = readSoftPrompt(file, 8);
    expectSameBits(back, p);
    expect(Object.is(back.data[1], -0)).toBe(true);
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(j).toMatchObject({ format: 'sps-soft-prompt', version: 1, num_virtual_tokens: 3, dim: 8, dtype: 'float64' });
    expect((j.data as number[][]).length).toBe(3);
    expect((j.data as number[][])[0]!.length).toBe(8);
  });

  it('npy float64 is bit-exact; float32 equals the float32-rounded prompt', () => {
    writeNpy(join(tmp(), 'p8.npy'), p, 'float64');
    expectSameBits(readSoftPrompt(join(tmp(), 'p8.npy'), 8), p);
    writeNpy(join(tmp(), 'p4.npy'), p32, 'float32');
    expectSameBits(readSoftPrompt(join(tmp(), 'p4.npy'), 8), rounded32(p32));
  });

  it('safetensors F64 is bit-exact; F32 equals the float32-rounded prompt', () => {
    writePromptSafetensors(join(tmp(), 'p64.safetensors'), p, 'F64');
    expectSameBits(readSoftPrompt(join(tmp(), 'p64.safetensors'), 8), p);
    writePromptSafetensors(join(tmp(), 'p32.safetensors'), p32, 'F32');
    expectSameBits(readSoftPrompt(join(tmp(), 'p32.safetensors'), 8), rounded32(p32));
  });

  it('PEFT folder (and its adapter_config.json path) equals the float32-rounded prompt', () => {
    const dir = join(tmp(), 'adapter');
    writePeftAdapter(dir, p32, SPEC, '/models/x');
    expectSameBits(readSoftPrompt(dir, 8), rounded32(p32));
    expectSameBits(readSoftPrompt(join(dir, 'adapter_config.json'), 8), rounded32(p32));
  });
});

describe('file layouts', () => {
  const tmp = useTempDir('sps-export-');

  it('the PEFT folder matches PEFT 0.21 PromptTuningConfig and adapter weights', () => {
    const p = awkward(4, 8);
    const dir = join(tmp(), 'adapter');
    writePeftAdapter(dir, f32Safe(p), SPEC, '/models/stories260K');
    const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    // Every key PromptTuningConfig(task_type='CAUSAL_LM', ...).save_pretrained writes (peft 0.21.0), sorted.
    expect(Object.keys(cfg)).toEqual([
      'auto_mapping', 'base_model_name_or_path', 'inference_mode', 'modules_to_save', 'num_attention_heads', 'num_layers',
      'num_transformer_submodules', 'num_virtual_tokens', 'peft_type', 'peft_version', 'prompt_tuning_init', 'prompt_tuning_init_text',
      'revision', 'task_type', 'token_dim', 'tokenizer_kwargs', 'tokenizer_name_or_path',
    ]);
    expect(cfg).toEqual({
      auto_mapping: null,
      base_model_name_or_path: '/models/stories260K',
      inference_mode: true,
      modules_to_save: null,
      num_attention_heads: 2,
      num_layers: 5,
      num_transformer_submodules: 1,
      num_virtual_tokens: 4,
      peft_type: 'PROMPT_TUNING',
      peft_version: '0.21.0',
      prompt_tuning_init: 'RANDOM',
      prompt_tuning_init_text: null,
      revision: null,
      task_type: 'CAUSAL_LM',
      token_dim: 8,
      tokenizer_kwargs: null,
      tokenizer_name_or_path: null,
    });
    const st = readSafetensorsHeader(join(dir, 'adapter_model.safetensors'));
    expect([...st.tensors.keys()]).toEqual(['prompt_embeddings']);
    const info = st.tensors.get('prompt_embeddings')!;
    expect(info.dtype).toBe('F32');
    expect(info.shape).toEqual([4, 8]);
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(st.headerLength % 8).toBe(0);
  });

  it('the PEFT config refuses a prompt whose width is not the hidden size', () => {
    expectSpsError(() => peftAdapterConfig(awkward(2, 8), { ...SPEC, hiddenSize: 16 }, null), 'TENSOR_MISMATCH', '8 wide', 'hidden size is 16');
  });

  it('npy is a 1.0 header, 64-byte aligned, C order, little-endian', () => {
    const p = softPrompt(2, 3, Float64Array.from([1, 2, 3, 4, 5, 6]));
    for (const [dtype, descr, size] of [['float32', '<f4', 4], ['float64', '<f8', 8]] as const) {
      const buf = encodeNpy(p, dtype);
      expect([...buf.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const hlen = buf.readUInt16LE(8);
      expect((10 + hlen) % 64).toBe(0);
      const header = buf.subarray(10, 10 + hlen).toString('latin1');
      expect(header.trimEnd()).toBe(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2, 3), }`);
      expect(header.endsWith('\n')).toBe(true);
      expect(buf.length).toBe(10 + hlen + 6 * size);
      const second = dtype === 'float32' ? buf.readFloatLE(10 + hlen + 4) : buf.readDoubleLE(10 + hlen + 8);
      expect(second).toBe(2); // row 0, column 1: C order
    }
  });

  it('npy reading handles Fortran order, big-endian and format 2.0 headers', () => {
    const npy = (major: number, header: string, data: Buffer): Buffer => {
      const h = Buffer.from(header + '\n', 'latin1');
      const pre = Buffer.alloc(major === 1 ? 10 : 12);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(pre);
      if (major === 1) pre.writeUInt16LE(h.length, 8);
      else pre.writeUInt32LE(h.length, 8);
      return Buffer.concat([pre, h, data]);
    };
    const fortran = Buffer.alloc(6 * 8);
    [1, 4, 2, 5, 3, 6].forEach((v, i) => fortran.writeDoubleLE(v, 8 * i)); // column-major of [[1,2,3],[4,5,6]]
    writeFileSync(join(tmp(), 'f.npy'), npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", fortran));
    expect([...readSoftPrompt(join(tmp(), 'f.npy')).data]).toEqual([1, 2, 3, 4, 5, 6]);
    const be = Buffer.alloc(6 * 4);
    [1, 2, 3, 4, 5, 6].forEach((v, i) => be.writeFloatBE(v, 4 * i));
    writeFileSync(join(tmp(), 'b.npy'), npy(2, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", be));
    const back = readSoftPrompt(join(tmp(), 'b.npy'), 3);
    expect([back.numVirtualTokens, back.dim, ...back.data]).toEqual([2, 3, 1, 2, 3, 4, 5, 6]);
  });

  it('JSON refuses non-finite values on export', () => {
    expectSpsError(() => encodePromptJson(softPrompt(1, 2, Float64Array.from([1, NaN]))), 'INVALID_DATA', 'non-finite', 'data[0][1]');
  });
});

describe('malformed imports give clear errors', () => {
  const tmp = useTempDir('sps-import-');
  const p = softPrompt(2, 4, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]));

  it('wrong width, in every format, names both widths', () => {
    writeNpy(join(tmp(), 'p.npy'), p);
    writePromptJson(join(tmp(), 'p.json'), p);
    writePromptSafetensors(join(tmp(), 'p.safetensors'), p);
    writePeftAdapter(join(tmp(), 'a'), p, { hiddenSize: 4, numLayers: 1, numHeads: 1 }, null);
    for (const f of ['p.npy', 'p.json', 'p.safetensors', 'a']) expectSpsError(() => readSoftPrompt(join(tmp(), f), 64), 'TENSOR_MISMATCH', 'is 4 wide', 'hidden size is 64');
  });

  it('a safetensors file without prompt_embeddings names the expected tensor and what it found', () => {
    const file = join(tmp(), 'w.safetensors');
    writeSafetensors(file, [{ name: 'prompt', dtype: 'F32', shape: [2, 4], data: new Float32Array(8) }]);
    expectSpsError(() => readSoftPrompt(file, 4), 'MISSING_TENSOR', 'prompt_embeddings', 'found: prompt');
  });

  it('an integer tensor is refused naming the float dtypes expected', () => {
    const file = join(tmp(), 'i.safetensors');
    writeSafetensors(file, [{ name: 'prompt_embeddings', dtype: 'I32', shape: [2, 4], data: new Int32Array(8) }]);
    expectSpsError(() => readSoftPrompt(file, 4), 'TENSOR_MISMATCH', 'I32', 'F32');
  });

  it('an integer .npy is refused naming <f4 / <f8', () => {
    const buf = encodeNpy(p, 'float64');
    const text = buf.toString('latin1').replace("'<f8'", "'<i8'");
    writeFileSync(join(tmp(), 'i.npy'), Buffer.from(text, 'latin1'));
    expectSpsError(() => readSoftPrompt(join(tmp(), 'i.npy'), 4), 'TENSOR_MISMATCH', "'<i8'", 'signed integer', "'<f4'", "'<f8'");
  });

  it('a truncated .npy says how many bytes it has and needs', () => {
    const buf = encodeNpy(p, 'float32');
    writeFileSync(join(tmp(), 't.npy'), buf.subarray(0, buf.length - 5));
    expectSpsError(() => readSoftPrompt(join(tmp(), 't.npy'), 4), 'INVALID_DATA', 't.npy', '27 bytes', 'needs 32', 'truncated');
    writeFileSync(join(tmp(), 'h.npy'), buf.subarray(0, 40));
    expectSpsError(() => readSoftPrompt(join(tmp(), 'h.npy'), 4), 'INVALID_DATA', 'header', 'truncated');
    writeFileSync(join(tmp(), 'x.npy'), 'not numpy');
    expectSpsError(() => readSoftPrompt(join(tmp(), 'x.npy')), 'INVALID_DATA', 'not a NumPy .npy file');
  });

  it('a .npy that is not 2-D names the shape', () => {
    const text = encodeNpy(p, 'float32').toString('latin1').replace('(2, 4)', '(8,)  ');
    writeFileSync(join(tmp(), 'v.npy'), Buffer.from(text, 'latin1'));
    expectSpsError(() => readSoftPrompt(join(tmp(), 'v.npy'), 4), 'TENSOR_MISMATCH', '(8,)', 'num_virtual_tokens, hidden_size');
  });

  it('bad JSON: syntax error with line, wrong format, ragged rows, non-numbers', () => {
    const write = (name: string, text: string): string => {
      writeFileSync(join(tmp(), name), text);
      return join(tmp(), name);
    };
    const good = JSON.parse(encodePromptJson(p)) as Record<string, unknown>;
    expectSpsError(() => readSoftPrompt(write('s.json', '{"format": "sps-soft-prompt",\n"data": [1,]}')), 'INVALID_JSON', 's.json:2');
    expectSpsError(() => readSoftPrompt(write('f.json', JSON.stringify({ ...good, format: 'other' }))), 'INVALID_DATA', '[format]', '"other"', 'sps-soft-prompt');
    expectSpsError(() => readSoftPrompt(write('r.json', JSON.stringify({ ...good, data: [[1, 2, 3, 4], [5, 6, 7]] }))), 'INVALID_DATA', '[data[1]]', 'dim = 4', '3 values');
    expectSpsError(() => readSoftPrompt(write('n.json', JSON.stringify({ ...good, data: [[1, 2, 3, 4], [5, 6, null, 8]] }))), 'INVALID_DATA', '[data[1][2]]', 'not a finite number');
    expectSpsError(() => readSoftPrompt(write('c.json', JSON.stringify({ ...good, num_virtual_tokens: 3 }))), 'INVALID_DATA', 'num_virtual_tokens = 3', '2 rows');
    expectSpsError(() => readSoftPrompt(write('d.json', JSON.stringify({ ...good, dtype: 'int64' }))), 'INVALID_DATA', '[dtype]', 'float64');
  });

  it('adapter folders: missing weights, a non-prompt-tuning config, a config that disagrees with the tensor', () => {
    const dir = join(tmp(), 'a');
    mkdirSync(dir);
    expectSpsError(() => readSoftPrompt(dir, 4), 'FILE_NOT_FOUND', 'adapter_model.safetensors');
    writePeftAdapter(dir, p, { hiddenSize: 4, numLayers: 1, numHeads: 1 }, null);
    const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, peft_type: 'LORA' }));
    expectSpsError(() => readSoftPrompt(dir, 4), 'INVALID_CONFIG', 'peft_type', 'LORA', 'PROMPT_TUNING');
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, num_virtual_tokens: 3 }));
    expectSpsError(() => readSoftPrompt(dir, 4), 'TENSOR_MISMATCH', '3 virtual tokens', 'has 2');
  });

  it('a missing file is FILE_NOT_FOUND naming it', () => {
    expectSpsError(() => readSoftPrompt(join(tmp(), 'nope.npy')), 'FILE_NOT_FOUND', 'nope.npy');
  });
});
