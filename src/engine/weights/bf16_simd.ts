import { readExactly } from './safetensors_read.js';

/**
 * Reading bfloat16 weights from a file as float32 with a WebAssembly SIMD loop (8 values per
 * instruction: zero-extend each 16-bit pattern to 32 bits and shift it into the top half,
 * which is exactly the float32 of a bfloat16). The layer-wise engine widens every weight of a
 * bf16 model on every pass (each train step twice, each generated token once: 7.6 G values a
 * pass on a 7B model), and the JavaScript loop costs ~1 ns a value; this one is bounded by
 * the copies. Chunks of CHUNK values are read into the module's memory, widened there and
 * copied out, so the module's memory stays 1.5 MiB whatever the tensor (chunks that fit the caches).
 */
const CHUNK = 1 << 18;
/** Where the chunk's halves and its widened values live in the module's memory. */
const SRC = 0;
const DST = 2 * CHUNK;
const PAGES = Math.ceil((6 * CHUNK) / 65536);

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

/**
 * (func $widen (param $src i32) (param $dst i32) (param $n i32)) — widens n values (n a
 * multiple of 8) of bf16 at $src to float32 at $dst; locals: $i (byte offset in src), $end.
 */
function moduleBytes(): Uint8Array {
  const [src, dst, n, i, end] = [0, 1, 2, 3, 4];
  const dstAddr = [0x20, dst, 0x20, i, 0x41, 1, 0x74, 0x6a]; // dst + (i << 1)
  const srcLoad = [0x20, src, 0x20, i, 0x6a, 0xfd, 0x00, 0x00, 0x00]; // v128.load (src + i)
  const shl16 = [0x41, 16, 0xfd, ...uleb(171)]; // i32x4.shl by 16
  const body = [
    1, 2, 0x7f, // two i32 locals
    0x20, n, 0x41, 1, 0x74, 0x21, end, // end = n << 1
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, i, 0x20, end, 0x4f, 0x0d, 1, // if i >= end: break
    ...dstAddr, ...srcLoad, 0xfd, ...uleb(169), ...shl16, 0xfd, 0x0b, 0x00, 0x00, // low four: extend_low_u, shl, store
    ...dstAddr, ...srcLoad, 0xfd, ...uleb(170), ...shl16, 0xfd, 0x0b, 0x00, 16, // high four: extend_high_u, shl, store +16
    0x20, i, 0x41, 16, 0x6a, 0x21, i, // i += 16
    0x0c, 0, 0x0b, 0x0b, 0x0b, // br loop; end loop, block, func
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0, ...uleb(PAGES)]),
    ...section(7, [2, ...name('mem'), 2, 0, ...name('widen'), 0, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The part of the WebAssembly API used here (the project's type libraries do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

interface Widener {
  memory: { buffer: ArrayBuffer };
  widen: (src: number, dst: number, n: number) => void;
}

let widener: Widener | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers fall back to JavaScript). */
function simd(): Widener | null {
  if (widener !== undefined) return widener;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = moduleBytes();
    if (!wasm?.validate(bytes)) return (widener = null);
    const inst = new wasm.Instance(new wasm.Module(bytes));
    widener = { memory: inst.exports.mem as Widener['memory'], widen: inst.exports.widen as Widener['widen'] };
  } catch {
    widener = null;
  }
  return widener;
}

/**
 * Reads `count` bf16 values at `position` of `fd` into `out` as float32 (exact). Returns false,
 * having read nothing, where WebAssembly SIMD is unavailable.
 */
export function readBf16AsFloat32(fd: number, position: number, count: number, out: Float32Array, file: string): boolean {
  const w = simd();
  if (!w) return false;
  const mem = w.memory.buffer;
  for (let c = 0; c < count; c += CHUNK) {
    const n = Math.min(CHUNK, count - c);
    readExactly(fd, new Uint8Array(mem, SRC, 2 * n), position + 2 * c, file);
    // Rounded up to whole vectors: the extra values are never copied out.
    w.widen(SRC, DST, Math.ceil(n / 8) * 8);
    out.set(new Float32Array(mem, DST, n), c);
  }
  return true;
}
