import { describe, expect, it } from 'vitest';
import {
  bf16ArrayToFloat32,
  bf16BitsToFloat,
  f16ArrayToFloat32,
  f16BitsToFloat,
  floatToBf16Bits,
  floatToF16Bits,
} from '../../../src/engine/weights/half.js';

describe('F16', () => {
  const known: Array<[number, number]> = [
    [1.0, 0x3c00],
    [-2.5, 0xc100],
    [65504, 0x7bff], // largest finite
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];

  it('encodes and decodes known bit patterns', () => {
    for (const [value, bits] of known) {
      expect(floatToF16Bits(value), `encode ${value}`).toBe(bits);
      expect(Object.is(f16BitsToFloat(bits), value), `decode 0x${bits.toString(16)}`).toBe(true);
    }
  });

  it('handles NaN', () => {
    expect(Number.isNaN(f16BitsToFloat(0x7e00))).toBe(true);
    expect(Number.isNaN(f16BitsToFloat(0xfc01))).toBe(true);
    const bits = floatToF16Bits(NaN);
    expect(bits & 0x7c00).toBe(0x7c00);
    expect(bits & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    expect(floatToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(floatToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(floatToF16Bits(65519)).toBe(0x7bff); // just below the overflow tie
    expect(floatToF16Bits(65520)).toBe(0x7c00); // tie between 65504 and 65536 → infinity
    expect(floatToF16Bits(1e6)).toBe(0x7c00);
    expect(floatToF16Bits(2 ** -25)).toBe(0x0000); // subnormal tie → even (zero)
    expect(floatToF16Bits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie → even (up)
    expect(floatToF16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(floatToF16Bits(-(2 ** -26))).toBe(0x8000); // underflow keeps the sign
    expect(floatToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up from subnormal into normal
  });

  it('round-trips every non-NaN bit pattern', () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = f16BitsToFloat(b);
      if (Number.isNaN(v)) continue;
      if (floatToF16Bits(v) !== b) throw new Error(`0x${b.toString(16)} → ${v} → 0x${floatToF16Bits(v).toString(16)}`);
    }
  });

  it('bulk decode matches the scalar decoder', () => {
    const bits = Uint16Array.from([0x3c00, 0xc100, 0x0001, 0x7c00, 0xfc00]);
    expect(Array.from(f16ArrayToFloat32(bits))).toEqual([1, -2.5, 2 ** -24, Infinity, -Infinity]);
    expect(f16ArrayToFloat32(bits, new Float64Array(5))).toBeInstanceOf(Float64Array);
  });
});

describe('BF16', () => {
  it('encodes and decodes known bit patterns', () => {
    const known: Array<[number, number]> = [
      [1.0, 0x3f80],
      [-2.5, 0xc020],
      [Infinity, 0x7f80],
      [-Infinity, 0xff80],
      [-0, 0x8000],
      [2 ** -133, 0x0001], // smallest bf16 subnormal
      [3.3895313892515355e38, 0x7f7f], // largest finite
    ];
    for (const [value, bits] of known) {
      expect(floatToBf16Bits(value), `encode ${value}`).toBe(bits);
      expect(Object.is(bf16BitsToFloat(bits), value), `decode 0x${bits.toString(16)}`).toBe(true);
    }
  });

  it('handles NaN and overflow', () => {
    expect(floatToBf16Bits(NaN) & 0x7fc0).toBe(0x7fc0);
    expect(Number.isNaN(bf16BitsToFloat(0x7fc1))).toBe(true);
    expect(floatToBf16Bits(3.4028234663852886e38)).toBe(0x7f80); // f32 max rounds past bf16 max
  });

  it('rounds to nearest, ties to even', () => {
    expect(floatToBf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(floatToBf16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(floatToBf16Bits(-(1 + 3 * 2 ** -8))).toBe(0xbf82);
  });

  it('round-trips every non-NaN bit pattern', () => {
    for (let b = 0; b < 0x10000; b++) {
      const v = bf16BitsToFloat(b);
      if (Number.isNaN(v)) continue;
      if (floatToBf16Bits(v) !== b) throw new Error(`0x${b.toString(16)} → ${v} → 0x${floatToBf16Bits(v).toString(16)}`);
    }
  });

  it('bulk decode matches the scalar decoder', () => {
    const bits = Uint16Array.from([0x3f80, 0xc020, 0x0001, 0xff80]);
    expect(Array.from(bf16ArrayToFloat32(bits))).toEqual([1, -2.5, 2 ** -133, -Infinity]);
    expect(Array.from(bf16ArrayToFloat32(bits, new Float64Array(4)))).toEqual([1, -2.5, 2 ** -133, -Infinity]);
  });
});
