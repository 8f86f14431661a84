import { describe, expect, it } from 'vitest';
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
