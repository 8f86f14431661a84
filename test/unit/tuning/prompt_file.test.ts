import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMPT_TENSOR, readSoftPrompt, writeSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { floatToBf16Bits } from '../../../src/engine/weights/half.js';
import { readSafetensorsHeader } from '../../../src/engine/weights/safetensors_read.js';
import { writeSafetensors } from '../../../src/engine/weights/safetensors_write.js';
import { expectSpsError } from '../../helpers/errors.js';
import { useTempDir } from '../../helpers/fixtures.js';

/** Awkward values: signed zeros, subnormals, extremes, and plain random-looking numbers. */
function awkwardData(count: number): Float64Array {
  const special = [0, -0, 1, -1, 1 / 3, Math.PI, 5e-324, -2.2250738585072014e-308, 1.7976931348623157e308, 1e-45, 3.4028234663852886e38, 123456.789];
  const out = new Float64Array(count);
  let x = 0.123456789;
  for (let i = 0; i < count; i++) {
    x = (x * 9301 + 0.49297) % 1;
    out[i] = i < special.length ? special[i]! : (x - 0.5) * 10 ** ((i % 9) - 4);
  }
  return out;
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  const fa = Float64Array.from(a);
  const fb = Float64Array.from(b);
  expect(Buffer.from(fa.buffer).equals(Buffer.from(fb.buffer))).toBe(true);
}

describe('writeSoftPrompt / readSoftPrompt', () => {
  const tmp = useTempDir('sps-prompt-');

  it('F64 round trip is bit-exact (including -0 and subnormals)', () => {
    const p = softPrompt(3, 8, awkwardData(24));
    const file = join(tmp(), 'p.safetensors');
    writeSoftPrompt(file, p, 'F64');
    const info = readSafetensorsHeader(file).tensors.get(PROMPT_TENSOR)!;
    expect(info.dtype).toBe('F64');
    expect(info.shape).toEqual([3, 8]);
    const back = readSoftPrompt(file, 8);
    expect(back.numVirtualTokens).toBe(3);
    expect(back.dim).toBe(8);
    sameBits(back.data, p.data);
    expect(Object.is(back.data[1], -0)).toBe(true);
  });

  it('F32 round trip is bit-exact on float32 values and rounds others to float32', () => {
    const data = awkwardData(40).map((v) => (Math.abs(v) > 3e38 ? 1 : v));
    const p32 = softPrompt(5, 8, data.map(Math.fround));
    const file = join(tmp(), 'p32.safetensors');
    writeSoftPrompt(file, p32); // F32 is the default (PEFT's format)
    expect(readSafetensorsHeader(file).tensors.get(PROMPT_TENSOR)!.dtype).toBe('F32');
    sameBits(readSoftPrompt(file).data, p32.data);

    const file2 = join(tmp(), 'p64as32.safetensors');
    writeSoftPrompt(file2, softPrompt(5, 8, data), 'F32');
    sameBits(readSoftPrompt(file2).data, data.map(Math.fround));
  });

  it('writes the format: pt metadata PEFT expects and only the one tensor', () => {
    const file = join(tmp(), 'p.safetensors');
    writeSoftPrompt(file, softPrompt(2, 4, new Float64Array(8)));
    const h = readSafetensorsHeader(file);
    expect(h.metadata).toEqual({ format: 'pt' });
    expect([...h.tensors.keys()]).toEqual([PROMPT_TENSOR]);
  });

  it('reads a PEFT adapter folder (adapter_model.safetensors)', () => {
    const dir = join(tmp(), 'adapter');
    mkdirSync(dir);
    const p = softPrompt(2, 4, Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8.5]));
    writeSoftPrompt(join(dir, 'adapter_model.safetensors'), p);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, token_dim: 4 }));
    const back = readSoftPrompt(dir, 4);
    expect(back.numVirtualTokens).toBe(2);
    sameBits(back.data, p.data);
  });

  it('reads BF16 and F16 prompts as float64', () => {
    const file = join(tmp(), 'bf16.safetensors');
    const vals = [1.5, -2, 0.25, 3];
    writeSafetensors(file, [{ name: PROMPT_TENSOR, dtype: 'BF16', shape: [1, 4], data: Uint16Array.from(vals, floatToBf16Bits) }]);
    expect(Array.from(readSoftPrompt(file, 4).data)).toEqual(vals);
  });

  it('errors: missing path, folder without adapter weights, missing tensor', () => {
    const missing = join(tmp(), 'nope.safetensors');
    expectSpsError(() => readSoftPrompt(missing), 'FILE_NOT_FOUND', missing, 'soft prompt');
    const empty = join(tmp(), 'emptydir');
    mkdirSync(empty);
    expectSpsError(() => readSoftPrompt(empty), 'FILE_NOT_FOUND', empty, 'adapter_model.safetensors');
    const other = join(tmp(), 'other.safetensors');
    writeSafetensors(other, [{ name: 'base_model.prompt', dtype: 'F32', shape: [2, 4], data: new Float32Array(8) }]);
    expectSpsError(() => readSoftPrompt(other), 'MISSING_TENSOR', other, PROMPT_TENSOR, 'base_model.prompt');
  });

  it('errors: wrong rank, zero tokens, wrong width, non-float dtype', () => {
    const f = (name: string) => join(tmp(), name);
    writeSafetensors(f('rank1'), [{ name: PROMPT_TENSOR, dtype: 'F32', shape: [8], data: new Float32Array(8) }]);
    expectSpsError(() => readSoftPrompt(f('rank1')), 'TENSOR_MISMATCH', f('rank1'), '[8]');
    writeSafetensors(f('zero'), [{ name: PROMPT_TENSOR, dtype: 'F32', shape: [0, 4], data: new Float32Array(0) }]);
    expectSpsError(() => readSoftPrompt(f('zero'), 4), 'TENSOR_MISMATCH', f('zero'), 'no virtual tokens');
    writeSafetensors(f('wide'), [{ name: PROMPT_TENSOR, dtype: 'F32', shape: [2, 6], data: new Float32Array(12) }]);
    expectSpsError(() => readSoftPrompt(f('wide'), 4), 'TENSOR_MISMATCH', f('wide'), '[prompt_embeddings]', '6 wide', 'hidden size is 4');
    expect(readSoftPrompt(f('wide')).dim).toBe(6); // no expectation → any width
    writeSafetensors(f('int'), [{ name: PROMPT_TENSOR, dtype: 'I32', shape: [2, 4], data: new Int32Array(8) }]);
    expectSpsError(() => readSoftPrompt(f('int'), 4), 'TENSOR_MISMATCH', f('int'), 'I32');
  });

  it('errors: a corrupt file', () => {
    const file = join(tmp(), 'bad.safetensors');
    writeFileSync(file, Buffer.from('not a safetensors file at all'));
    expectSpsError(() => readSoftPrompt(file), 'INVALID_SAFETENSORS', file);
  });
});

describe('readSoftPrompt: run and checkpoint folders', () => {
  const tmp = useTempDir('sps-prompt-run-');
  it('a checkpoint folder gives its prompt, a run folder its best prompt (else final)', () => {
    const run = join(tmp(), 'run');
    const best = softPrompt(2, 3, Float64Array.from([1, 2, 3, 4, 5, 6]));
    const final = softPrompt(2, 3, Float64Array.from([6, 5, 4, 3, 2, 1]));
    mkdirSync(join(run, 'best'), { recursive: true });
    mkdirSync(join(run, 'final'), { recursive: true });
    writeFileSync(join(run, 'job.json'), '{}');
    writeSoftPrompt(join(run, 'best', 'prompt.safetensors'), best, 'F64');
    writeSoftPrompt(join(run, 'final', 'prompt.safetensors'), final, 'F64');
    expect(Array.from(readSoftPrompt(join(run, 'final'), 3).data)).toEqual(Array.from(final.data));
    expect(Array.from(readSoftPrompt(run, 3).data)).toEqual(Array.from(best.data));
    rmSync(join(run, 'best'), { recursive: true });
    expect(Array.from(readSoftPrompt(run, 3).data)).toEqual(Array.from(final.data));
  });
});
