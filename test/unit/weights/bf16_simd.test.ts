import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBf16AsFloat32 } from '../../../src/engine/weights/bf16_simd.js';
import { bf16ArrayToFloat32 } from '../../../src/engine/weights/half.js';

const root = mkdtempSync(join(tmpdir(), 'sps-bf16-simd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Random bfloat16 bit patterns, with zeros, a negative zero, infinity and a NaN. */
function randomBits(count: number, seed: number): Uint16Array {
  let s = seed;
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = s >>> 16;
  }
  [0x0000, 0x8000, 0x7f80, 0xffc1].forEach((b, i) => {
    if (i < count) out[i] = b;
  });
  return out;
}

describe('readBf16AsFloat32 (WebAssembly SIMD)', () => {
  // 1 and 7: less than one vector; 2 · 2^18 + 13: three chunks, the last not a whole vector.
  it.each([1, 7, 8, 1001, (1 << 18) * 2 + 13])('reads %i values at an odd offset bit for bit as the element-wise conversion', (count) => {
    const bits = randomBits(count + 3, count);
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
