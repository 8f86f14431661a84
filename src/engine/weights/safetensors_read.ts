import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { bf16ArrayToFloat32, f16ArrayToFloat32 } from './half.js';

/** Bytes per element of every byte-aligned safetensors dtype. */
const DTYPE_SIZES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDType = keyof typeof DTYPE_SIZES;

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Absolute path of the file holding the data. */
  file: string;
  /** Absolute byte offset of the data within `file` (header included). */
  byteOffset: number;
  byteLength: number;
}

export interface SafetensorsFile {
  path: string;
  headerLength: number;
  /** Offset where the data buffer starts: 8 + headerLength. */
  dataStart: number;
  metadata: Record<string, string>;
  tensors: Map<string, TensorInfo>;
}

/** Headers are a few KB to a few MB; anything past this is a corrupt length, not a header. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function dtypeSize(dtype: SafetensorsDType): number {
  return DTYPE_SIZES[dtype];
}

/**
 * Read and validate only the header of a safetensors file (never the data: weight files
 * are gigabytes and are memory-mapped later by onnxruntime).
 */
export function readSafetensorsHeader(path: string): SafetensorsFile {
  const file = resolve(path);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw fileError(err, file, 'safetensors file');
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new SpsError('NOT_A_FILE', 'expected a .safetensors file but this is a folder', { location: { file } });
    const fileSize = stat.size;
    const bad = (message: string, field?: string): SpsError =>
      new SpsError('INVALID_SAFETENSORS', message, {
        location: { file, field },
        hint: 'the file is corrupt or not a safetensors file; download or convert it again',
      });

    if (fileSize < 8) throw bad(`file is ${fileSize} bytes, shorter than the 8-byte safetensors header length`);
    const lenBuf = Buffer.alloc(8);
    readExactly(fd, lenBuf, 0, file);
    const headerLength64 = lenBuf.readBigUInt64LE(0);
    if (headerLength64 > BigInt(MAX_HEADER_BYTES)) {
      throw bad(`header length ${headerLength64} bytes is implausible (over ${MAX_HEADER_BYTES / 1024 / 1024} MB)`);
    }
    const headerLength = Number(headerLength64);
    if (8 + headerLength > fileSize) {
      throw bad(`header length ${headerLength} bytes runs past the end of the ${fileSize}-byte file (truncated download?)`);
    }
    const headerBuf = Buffer.alloc(headerLength);
    readExactly(fd, headerBuf, 8, file);

    const header = parseHeaderJson(headerBuf, bad);
    const dataStart = 8 + headerLength;
    const metadata = parseMetadata(header.__metadata__, bad);
    const tensors = new Map<string, TensorInfo>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      tensors.set(name, parseTensorEntry(name, entry, file, dataStart, fileSize, bad));
    }
    checkNoOverlap(tensors, bad);
    return { path: file, headerLength, dataStart, metadata, tensors };
  } finally {
    closeSync(fd);
  }
}

type BadFn = (message: string, field?: string) => SpsError;

function parseHeaderJson(buf: Buffer, bad: BadFn): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw bad('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bad(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw bad('header JSON is not an object');
  return parsed as Record<string, unknown>;
}

function parseMetadata(raw: unknown, bad: BadFn): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('__metadata__ must be an object of strings', '__metadata__');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw bad(`__metadata__ value for "${k}" must be a string`, '__metadata__');
    out[k] = v;
  }
  return out;
}

function parseTensorEntry(name: string, entry: unknown, file: string, dataStart: number, fileSize: number, bad: BadFn): TensorInfo {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad(`tensor entry "${name}" is not an object`, name);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (dtype === undefined) throw bad(`tensor "${name}" has no dtype`, name);
  if (shape === undefined) throw bad(`tensor "${name}" has no shape`, name);
  if (offsets === undefined) throw bad(`tensor "${name}" has no data_offsets`, name);
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZES, dtype)) {
    throw bad(`tensor "${name}" has unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZES).join(', ')})`, name);
  }
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`tensor "${name}" shape must be a list of non-negative integers`, name);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw bad(`tensor "${name}" data_offsets must be two non-negative integers [begin, end]`, name);
  }
  const [begin, end] = offsets as [number, number];
  const dt = dtype as SafetensorsDType;
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_SIZES[dt];
  if (end < begin || end - begin !== expected) {
    throw bad(
      `tensor "${name}" data_offsets [${begin}, ${end}] span ${end - begin} bytes, but ${dt} [${(shape as number[]).join(', ')}] needs ${expected}`,
      name,
    );
  }
  if (dataStart + end > fileSize) {
    throw bad(`tensor "${name}" data ends at byte ${dataStart + end}, past the end of the ${fileSize}-byte file (truncated download?)`, name);
  }
  return { name, dtype: dt, shape: [...(shape as number[])], file, byteOffset: dataStart + begin, byteLength: expected };
}

function checkNoOverlap(tensors: Map<string, TensorInfo>, bad: BadFn): void {
  const sorted = [...tensors.values()].filter((t) => t.byteLength > 0).sort((a, b) => a.byteOffset - b.byteOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as TensorInfo;
    const cur = sorted[i] as TensorInfo;
    if (cur.byteOffset < prev.byteOffset + prev.byteLength) throw bad(`tensors "${prev.name}" and "${cur.name}" overlap`, cur.name);
  }
}

export function readExactly(fd: number, buf: Uint8Array, position: number, file: string): void {
  // readSync caps one call at ~2 GiB, so large tensors are read in chunks.
  const CHUNK = 1 << 30;
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, Math.min(CHUNK, buf.length - done), position + done);
    if (n === 0) {
      throw new SpsError('INVALID_SAFETENSORS', `file ended early (read ${done} of ${buf.length} bytes at offset ${position})`, {
        location: { file },
        hint: 'the file changed or was truncated while reading; download it again',
      });
    }
    done += n;
  }
}

function readRaw(info: TensorInfo): Uint8Array {
  // Typed-array views below reinterpret little-endian bytes directly.
  if (endianness() !== 'LE') throw new SpsError('INTERNAL', 'big-endian hosts are not supported for reading safetensors');
  let fd: number;
  try {
    fd = openSync(info.file, 'r');
  } catch (err) {
    throw fileError(err, info.file, 'safetensors file');
  }
  try {
    // A fresh Uint8Array starts at byte 0 of its buffer, so wider views are aligned.
    const buf = new Uint8Array(info.byteLength);
    readExactly(fd, buf, info.byteOffset, info.file);
    return buf;
  } finally {
    closeSync(fd);
  }
}

const FLOAT_DTYPES: ReadonlySet<SafetensorsDType> = new Set(['F32', 'F16', 'BF16', 'F64']);

function notFloat(info: TensorInfo): SpsError {
  return new SpsError('TENSOR_MISMATCH', `tensor "${info.name}" has dtype ${info.dtype}; expected a floating-point tensor (F32, F16, BF16 or F64)`, {
    location: { file: info.file, field: info.name },
  });
}

/** Read a floating-point tensor (F32/F16/BF16/F64) and convert it to float32. */
export function readTensorAsFloat32(info: TensorInfo): Float32Array {
  if (!FLOAT_DTYPES.has(info.dtype)) throw notFloat(info);
  const raw = readRaw(info);
  const n = raw.byteLength / DTYPE_SIZES[info.dtype];
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(raw.buffer, 0, n);
    case 'F16':
      return f16ArrayToFloat32(new Uint16Array(raw.buffer, 0, n)) as Float32Array;
    case 'BF16':
      return bf16ArrayToFloat32(new Uint16Array(raw.buffer, 0, n)) as Float32Array;
    case 'F64':
      return Float32Array.from(new Float64Array(raw.buffer, 0, n));
    default:
      throw notFloat(info);
  }
}

/** Read a floating-point tensor (F32/F16/BF16/F64) and convert it to float64 (for reference checks). */
export function readTensorAsFloat64(info: TensorInfo): Float64Array {
  if (!FLOAT_DTYPES.has(info.dtype)) throw notFloat(info);
  const raw = readRaw(info);
  const n = raw.byteLength / DTYPE_SIZES[info.dtype];
  switch (info.dtype) {
    case 'F64':
      return new Float64Array(raw.buffer, 0, n);
    case 'F32':
      return Float64Array.from(new Float32Array(raw.buffer, 0, n));
    case 'F16':
      return f16ArrayToFloat32(new Uint16Array(raw.buffer, 0, n), new Float64Array(n)) as Float64Array;
    case 'BF16':
      return bf16ArrayToFloat32(new Uint16Array(raw.buffer, 0, n), new Float64Array(n)) as Float64Array;
    default:
      throw notFloat(info);
  }
}
