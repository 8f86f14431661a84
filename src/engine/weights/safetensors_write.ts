import { writeFileSync } from 'node:fs';

/** Storage dtypes we write. F16/BF16 take raw 16-bit patterns (Uint16Array). */
export type SafetensorsWriteDType = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32';

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsWriteDType;
  shape: readonly number[];
  data: Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array;
}

/**
 * Serialise tensors in the safetensors format: u64 little-endian header length, a JSON
 * header (padded with spaces to a multiple of 8, as the reference writer does), raw data.
 */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor ${t.name} has shape [${t.shape.join(', ')}] (${count} values) but ${t.data.length} values were given`);
    }
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while (Buffer.byteLength(json) % 8 !== 0) json += ' ';
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

/** `flag: 'wx'` creates the file exclusively (fails if anything, even a symlink, is there). */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>, flag: 'w' | 'wx' = 'w'): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata), { flag });
}
