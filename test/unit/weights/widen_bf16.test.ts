import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBf16AsFloat32 } from '../../../src/engine/weights/bf16_simd.js';
import { bf16ArrayToFloat32 } from '../../../src/engine/weights/half.js';
import { widenBf16InPlace } from '../../../src/engine/weights/weight_stream.js';

/** Random bfloat16 bit patterns, including signs, zeros, subnormals, infinities and NaNs. */
function randomBf16(count: number, seed: number): Uint16Array {
  let s = seed;
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 16;
  }
  out[0] = 0x0000;
  if (count > 3) {
    out[1] = 0x8000;
    out[2] = 0x7f80;
    out[3] = 0xffc1;
  }
  return out;
}

function widenThroughBuffer(bits: Uint16Array): Float32Array {
  const buf = new ArrayBuffer(bits.length * 4);
  new Uint16Array(buf, bits.length * 2, bits.length).set(bits);
  widenBf16InPlace(buf, bits.length);
  return new Float32Array(buf);
}

describe('widenBf16InPlace', () => {
  it.each([1, 2, 7, 8, 1001, 4096])('equals the element-wise bfloat16 conversion for %i values', (count) => {
    const bits = randomBf16(count, count);
    const got = widenThroughBuffer(bits);
    const want = bf16ArrayToFloat32(bits);
    // Compare bit patterns so NaNs and signed zeros count too.
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(Array.from(new Uint32Array(want.buffer)));
  });
});

const root = mkdtempSync(join(tmpdir(), 'sps-bf16-simd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readBf16AsFloat32 (WebAssembly SIMD)', () => {
  // 1 and 7: less than one vector; 2 · 2^18 + 13: three chunks, the last not a whole vector.
  it.each([1, 7, 8, 1001, (1 << 18) * 2 + 13])('reads %i values at an odd offset bit for bit as the element-wise conversion', (count) => {
    const bits = randomBf16(count + 3, count);
    const file = join(root, `w${count}.bin`);
    writeFileSync(file, Buffer.from(bits.buffer));
    const fd = openSync(file, 'r');
    try {
      // Start at value 3 (byte 6): positions need not be aligned.
      const out = new Float32Array(count + 2).fill(-7);
      expect(readBf16AsFloat32(fd, 6, count, out.subarray(1, 1 + count), file)).toBe(true);
      const want = bf16ArrayToFloat32(bits.subarray(3));
      expect(Array.from(new Uint32Array(out.buffer, 4, count))).toEqual(Array.from(new Uint32Array(want.buffer)));
      // Nothing written outside the target.
      expect([out[0], out[count + 1]]).toEqual([-7, -7]);
    } finally {
      closeSync(fd);
    }
  });
});
