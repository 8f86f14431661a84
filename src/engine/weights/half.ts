/**
 * IEEE half (F16) and bfloat16 (BF16) bit conversions. Weights arrive as raw 16-bit
 * patterns (safetensors) and prompts are exported the same way, so these work on bits.
 *
 * Conversions from a JS number go through float32 first. That double rounding is exact:
 * float32 has 24 significand bits ≥ 2·11+2 (F16) and ≥ 2·8+2 (BF16), the known bound
 * under which rounding twice equals rounding once.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0] as number;
}

/** Decode one F16 bit pattern (0..0xffff). */
export function f16BitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Decode one BF16 bit pattern: it is the top half of a float32. */
export function bf16BitsToFloat(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0] as number;
}

/** Encode to BF16 bits, round to nearest, ties to even; NaN stays a (quiet) NaN. */
export function floatToBf16Bits(x: number): number {
  const bits = float32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  // Adding 0x7fff plus the lowest kept bit rounds ties to even; a carry into the
  // exponent is the correct result (including overflow to infinity).
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encode to F16 bits, round to nearest, ties to even; handles subnormals, overflow, NaN. */
export function floatToF16Bits(x: number): number {
  const bits = float32Bits(x);
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal in F16 (value = q · 2^-24). Below half the smallest subnormal → zero.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    return sign | roundShift(m, shift);
  }
  // Normal: a carry out of the mantissa bumps the exponent, possibly to infinity — correct.
  return sign | roundShift((e << 23) | mant, 13);
}

/** `value >> shift` rounded to nearest, ties to even (shift in 1..24). */
function roundShift(value: number, shift: number): number {
  const q = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (q & 1) === 1) ? q + 1 : q;
}

let f16Table: Float32Array | undefined;

/** Bulk-decode F16 bits through a 64K-entry table (built once; 256 KiB). */
export function f16ArrayToFloat32(src: Uint16Array, out: Float32Array | Float64Array = new Float32Array(src.length)): typeof out {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) f16Table[b] = f16BitsToFloat(b);
  }
  const table = f16Table;
  for (let i = 0; i < src.length; i++) out[i] = table[src[i] as number] as number;
  return out;
}

/** Bulk-decode BF16 bits: widen each pattern into the top half of a float32. */
export function bf16ArrayToFloat32(src: Uint16Array, out: Float32Array | Float64Array = new Float32Array(src.length)): typeof out {
  const wide = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) wide[i] = (src[i] as number) << 16;
  const asFloat = new Float32Array(wide.buffer);
  if (out instanceof Float32Array) out.set(asFloat);
  else for (let i = 0; i < asFloat.length; i++) out[i] = asFloat[i] as number;
  return out;
}
