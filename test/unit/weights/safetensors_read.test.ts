import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileError } from '../../../src/engine/files.js';
import { floatToBf16Bits, floatToF16Bits } from '../../../src/engine/weights/half.js';
import { readSafetensorsHeader, readTensorAsFloat32, readTensorAsFloat64 } from '../../../src/engine/weights/safetensors_read.js';
import { writeSafetensors } from '../../../src/engine/weights/safetensors_write.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const values = [0, 1, -2.5, 0.1, 1e-3, 65504, -7.25, 3.140625];

describe('readSafetensorsHeader + readTensorAs*', () => {
  const tmp = useTempDir();

  it('round-trips F32, F16, BF16 and F64 tensors with metadata', () => {
    const file = join(tmp(), 'rt.safetensors');
    writeSafetensors(
      file,
      [
        { name: 'a.f32', dtype: 'F32', shape: [2, 4], data: Float32Array.from(values) },
        { name: 'b.f16', dtype: 'F16', shape: [8], data: Uint16Array.from(values, floatToF16Bits) },
        { name: 'c.bf16', dtype: 'BF16', shape: [4, 2], data: Uint16Array.from(values, floatToBf16Bits) },
        { name: 'd.f64', dtype: 'F64', shape: [1, 8], data: Float64Array.from(values) },
        { name: 'e.i64', dtype: 'I64', shape: [2], data: BigInt64Array.from([1n, 2n]) },
      ],
      { format: 'pt', note: 'hello' },
    );
    const st = readSafetensorsHeader(file);
    expect(st.path).toBe(file);
    expect(st.dataStart).toBe(8 + st.headerLength);
    expect(st.headerLength % 8).toBe(0);
    expect(st.metadata).toEqual({ format: 'pt', note: 'hello' });
    expect([...st.tensors.keys()]).toEqual(['a.f32', 'b.f16', 'c.bf16', 'd.f64', 'e.i64']);

    const a = st.tensors.get('a.f32')!;
    expect(a).toMatchObject({ dtype: 'F32', shape: [2, 4], file, byteOffset: st.dataStart, byteLength: 32 });
    expect(Array.from(readTensorAsFloat32(a))).toEqual(values.map(Math.fround));
    expect(Array.from(readTensorAsFloat64(a))).toEqual(values.map(Math.fround));

    const b = st.tensors.get('b.f16')!;
    expect(b.byteOffset).toBe(st.dataStart + 32);
    const f16 = Array.from(readTensorAsFloat32(b));
    values.forEach((v, i) => expect(f16[i]).toBeCloseTo(v, 2));
    expect(f16[5]).toBe(65504);
    expect(f16[7]).toBe(3.140625); // exactly representable

    const c = Array.from(readTensorAsFloat64(st.tensors.get('c.bf16')!));
    values.forEach((v, i) => expect(Math.abs((c[i] as number) - v)).toBeLessThanOrEqual(Math.abs(v) / 128));

    const d = st.tensors.get('d.f64')!;
    expect(Array.from(readTensorAsFloat64(d))).toEqual(values);
    expect(Array.from(readTensorAsFloat32(d))).toEqual(values.map(Math.fround));

    expectSpsError(() => readTensorAsFloat32(st.tensors.get('e.i64')!), 'TENSOR_MISMATCH', 'e.i64', 'I64');
  });

  it('reads a file without metadata and with zero-sized tensors', () => {
    const file = join(tmp(), 'z.safetensors');
    writeSafetensors(file, [
      { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
      { name: 'x', dtype: 'F32', shape: [], data: Float32Array.of(4) },
    ]);
    const st = readSafetensorsHeader(file);
    expect(st.metadata).toEqual({});
    expect(readTensorAsFloat32(st.tensors.get('empty')!).length).toBe(0);
    expect(Array.from(readTensorAsFloat32(st.tensors.get('x')!))).toEqual([4]);
  });

  it('reads the real stories260K header', () => {
    const st = readSafetensorsHeader(join(storiesModelDir(), 'model.safetensors'));
    expect(st.tensors.size).toBe(47); // 5 layers × 9 + embed + final norm; the tied lm_head is not stored
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(new Set([...st.tensors.values()].map((t) => t.dtype))).toEqual(new Set(['F32']));
    const embed = st.tensors.get('model.embed_tokens.weight')!;
    expect(embed.shape).toEqual([512, 64]);
    expect(st.tensors.has('lm_head.weight')).toBe(false);
    const row = readTensorAsFloat32(embed).subarray(0, 4);
    // First values checked with Python's struct module.
    expect(Array.from(row)).toEqual([-0.29474878311157227, 0.5618956089019775, 0.1754225343465805, 0.34057360887527466].map(Math.fround));
    const norm = readTensorAsFloat64(st.tensors.get('model.norm.weight')!);
    expect(norm.reduce((s, v) => s + v, 0)).toBeCloseTo(115.95276230573654, 9);
  });
});

/** Build a safetensors-like file by hand: length prefix (or override), header bytes, data. */
function rawFile(path: string, header: unknown, dataBytes = 0, opts: { headerLength?: bigint; rawHeader?: Buffer } = {}): string {
  const h = opts.rawHeader ?? Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(opts.headerLength ?? BigInt(h.length));
  writeFileSync(path, Buffer.concat([len, h, Buffer.alloc(dataBytes)]));
  return path;
}

describe('readSafetensorsHeader rejects bad files', () => {
  const tmp = useTempDir();
  const f = (name = 'bad.safetensors'): string => join(tmp(), name);
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

  it('missing file, folder, unreadable file', () => {
    expectSpsError(() => readSafetensorsHeader(f('nope.safetensors')), 'FILE_NOT_FOUND', 'nope.safetensors');
    mkdirSync(f('dir.safetensors'));
    expectSpsError(() => readSafetensorsHeader(f('dir.safetensors')), 'NOT_A_FILE', 'dir.safetensors');
    // EACCES mapping, checked directly (root can read a chmod 000 file).
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(fileError(eacces, '/x/model.safetensors', 'safetensors file').code).toBe('FILE_UNREADABLE');
  });

  it.skipIf(process.getuid?.() === 0)('unreadable file (non-root only)', () => {
    const path = rawFile(f('locked.safetensors'), { x: ok }, 8);
    chmodSync(path, 0o000);
    expectSpsError(() => readSafetensorsHeader(path), 'FILE_UNREADABLE', 'locked.safetensors');
  });

  it('file shorter than 8 bytes', () => {
    writeFileSync(f('short.safetensors'), Buffer.from([1, 2, 3]));
    expectSpsError(() => readSafetensorsHeader(f('short.safetensors')), 'INVALID_SAFETENSORS', 'short.safetensors', '3 bytes');
  });

  it('header length past the end of the file, or absurd', () => {
    rawFile(f('long.safetensors'), { x: ok }, 8, { headerLength: 5000n });
    expectSpsError(() => readSafetensorsHeader(f('long.safetensors')), 'INVALID_SAFETENSORS', 'long.safetensors', 'past the end');
    rawFile(f('huge.safetensors'), { x: ok }, 8, { headerLength: 1n << 62n });
    expectSpsError(() => readSafetensorsHeader(f('huge.safetensors')), 'INVALID_SAFETENSORS', 'huge.safetensors', 'implausible');
  });

  it('header that is not UTF-8, not JSON, or not an object', () => {
    rawFile(f('utf.safetensors'), null, 0, { rawHeader: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expectSpsError(() => readSafetensorsHeader(f('utf.safetensors')), 'INVALID_SAFETENSORS', 'utf.safetensors', 'UTF-8');
    rawFile(f('json.safetensors'), '{"x": ');
    expectSpsError(() => readSafetensorsHeader(f('json.safetensors')), 'INVALID_SAFETENSORS', 'json.safetensors', 'not valid JSON');
    rawFile(f('arr.safetensors'), '[1, 2]');
    expectSpsError(() => readSafetensorsHeader(f('arr.safetensors')), 'INVALID_SAFETENSORS', 'arr.safetensors', 'not an object');
  });

  it('tensor entries missing dtype, shape or data_offsets', () => {
    for (const key of ['dtype', 'shape', 'data_offsets']) {
      const entry: Record<string, unknown> = { ...ok };
      delete entry[key];
      rawFile(f(), { 'layer.w': entry }, 8);
      expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', 'layer.w', `no ${key}`);
    }
  });

  it('malformed metadata, shape and offsets', () => {
    rawFile(f(), { __metadata__: { n: 1 }, x: ok }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '__metadata__');
    rawFile(f(), { x: { ...ok, shape: [2.5] } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '"x" shape');
    rawFile(f(), { x: { ...ok, data_offsets: [0] } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '"x" data_offsets');
  });

  it('unknown dtype', () => {
    rawFile(f(), { w: { ...ok, dtype: 'F128' } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', 'F128', 'BF16');
  });

  it('data_offsets inconsistent with shape × dtype size', () => {
    rawFile(f(), { w: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '"w"', 'needs 6');
    rawFile(f(), { w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '"w"');
  });

  it('offsets beyond the end of the file', () => {
    rawFile(f(), { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', '"w"', 'past the end');
  });

  it('overlapping tensors', () => {
    rawFile(f(), { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12);
    expectSpsError(() => readSafetensorsHeader(f()), 'INVALID_SAFETENSORS', 'bad.safetensors', 'overlap', '"a"', '"b"');
  });
});
