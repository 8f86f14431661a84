import { closeSync, openSync } from 'node:fs';
import { endianness } from 'node:os';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { BYTES_PER_ELEMENT, type DType } from '../onnx/dtype.js';
import type { HostTensor, HostTensorData } from '../runtime/session.js';
import { readBf16AsFloat32 } from './bf16_simd.js';
import { dtypeSize, readExactly, type SafetensorsDType, type TensorInfo } from './safetensors_read.js';

/**
 * The dtype a stored weight is fed to a session in. F32, F16 and F64 go as stored (the graph
 * casts to the compute dtype, one layer at a time). BF16 is widened to float32 on the host,
 * one tensor at a time: onnxruntime-node has no bfloat16 tensors ("Unsupported data type: 16"
 * when a graph input is bfloat16), and the widening is exact.
 */
export function feedDTypeOf(storage: SafetensorsDType, name: string, file: string): DType {
  switch (storage) {
    case 'F32':
    case 'BF16':
      return 'float32';
    case 'F16':
      return 'float16';
    case 'F64':
      return 'float64';
    default:
      throw new SpsError('TENSOR_MISMATCH', `tensor ${name} has dtype ${storage}; weights must be F32, F16 or BF16`, {
        location: { file, field: name },
        hint: 'quantised or integer weights are not supported; use a float checkpoint',
      });
  }
}

/** Bytes `rows` rows of `info` take as a feed (in feedDTypeOf's dtype: BF16 widened to float32). */
export function feedByteLength(info: TensorInfo, rows = info.shape[0] ?? 1): number {
  const rowCount = info.shape.slice(1).reduce((a, b) => a * b, 1);
  return rows * rowCount * BYTES_PER_ELEMENT[feedDTypeOf(info.dtype, info.name, info.file)];
}

/**
 * Widens `count` bfloat16 values stored in the upper half of `buf` (bytes 2·count onwards) to
 * float32 over the whole buffer, in place, front to back: a bfloat16 is the top 16 bits of its
 * float32. Pairs of halves are read as one 32-bit word (little-endian: the first half is the
 * low 16 bits), which makes the loop ~2.5× faster than one half at a time — it runs over every
 * weight of a bf16 model on every layer-wise pass. The writes for pair j (bytes 8j..8j+7) never
 * reach a pair not yet read (bytes 2·count + 4j + 4 onwards, for j < count / 2 − 1), and pair j
 * itself is read before it is overwritten, so no temporary copy is needed.
 */
export function widenBf16InPlace(buf: ArrayBuffer, count: number): void {
  const wide = new Uint32Array(buf, 0, count);
  if (count % 2 === 1) {
    // Odd count: the halves start at a 2-byte boundary, so they cannot be read as words.
    const halves = new Uint16Array(buf);
    for (let i = 0; i < count; i++) wide[i] = halves[count + i]! << 16;
    return;
  }
  const packed = new Uint32Array(buf, 2 * count, count / 2);
  for (let j = 0; j < count / 2; j++) {
    const x = packed[j]!;
    wide[2 * j] = x << 16;
    wide[2 * j + 1] = x & 0xffff0000;
  }
}

/**
 * Reads weights from their safetensors files into host tensors to feed a session, as they
 * are needed: the layer-wise train step asks for one layer's weights at a time, so resident
 * weight memory is one layer (plus whatever the caller keeps), never the model. The file data
 * itself stays in the OS page cache, which the kernel may drop under pressure.
 *
 * Buffers are reused per slot (the graph input a tensor feeds): every layer of a model has the
 * same shapes, so streaming layer after layer allocates nothing after the first.
 */
export class WeightStream {
  private readonly fds = new Map<string, number>();
  private readonly buffers = new Map<string, ArrayBuffer>();
  /** What each slot holds now, so a tensor read twice in a row is read once. */
  private readonly holding = new Map<string, { info: TensorInfo; start: number; rows: number; tensor: HostTensor }>();

  constructor() {
    // Typed views below reinterpret little-endian bytes directly (as safetensors_read does).
    if (endianness() !== 'LE') throw new SpsError('INTERNAL', 'big-endian hosts are not supported for reading safetensors');
  }

  /** The tensor `info` as a feed, in `slot`'s reusable buffer (valid until the slot is read again). */
  read(info: TensorInfo, slot: string): HostTensor {
    return this.fill(info, 0, info.shape[0] ?? 1, slot);
  }

  /**
   * Rows [start, start + count) of a 2-D (or higher) tensor as a feed [count, …], in `slot`'s
   * reusable buffer (valid until the slot is read again): a vocabulary slice of the LM head
   * is read and widened this way without ever holding the whole matrix.
   */
  readRows(info: TensorInfo, start: number, count: number, slot: string): HostTensor {
    const rows = info.shape[0] ?? 1;
    if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 1 || start + count > rows) {
      throw new SpsError('INTERNAL', `rows ${start}..${start + count} of ${info.name} (${rows} rows)`);
    }
    return this.fill(info, start, count, slot);
  }

  /**
   * Rows [start, start + rows) of `info` (the whole tensor by default) in a buffer of its own,
   * for a caller that keeps it (WeightFeeder's host-resident weights): never reused by a slot.
   */
  readOwned(info: TensorInfo, start = 0, rows = info.shape[0] ?? 1): HostTensor {
    return this.readInto(info, start, rows, new ArrayBuffer(feedByteLength(info, rows)));
  }

  private fill(info: TensorInfo, start: number, rows: number, slot: string): HostTensor {
    const held = this.holding.get(slot);
    if (held && held.info === info && held.start === start && held.rows === rows) return held.tensor;
    this.holding.delete(slot);
    const feedBytes = feedByteLength(info, rows);
    let buf = this.buffers.get(slot);
    // A smaller read reuses a larger buffer (the last vocabulary slice); views start at byte 0.
    if (!buf || buf.byteLength < feedBytes) {
      buf = new ArrayBuffer(feedBytes);
      this.buffers.set(slot, buf);
    }
    const tensor = this.readInto(info, start, rows, buf);
    this.holding.set(slot, { info, start, rows, tensor });
    return tensor;
  }

  /** Reads rows [start, start + rows) of `info` into `buf` (at least feedByteLength bytes), widened to the feed dtype. */
  private readInto(info: TensorInfo, start: number, rows: number, buf: ArrayBuffer): HostTensor {
    const dtype = feedDTypeOf(info.dtype, info.name, info.file);
    const rowCount = info.shape.slice(1).reduce((a, b) => a * b, 1);
    const count = rows * rowCount;
    const storedSize = dtypeSize(info.dtype);
    const fd = this.fd(info.file);
    const position = info.byteOffset + start * rowCount * storedSize;
    let data: HostTensorData;
    if (info.dtype === 'BF16') {
      // WebAssembly SIMD where available; else the raw halves go into the upper half of the
      // span and are widened in place (widenBf16InPlace).
      data = new Float32Array(buf, 0, count);
      if (!readBf16AsFloat32(fd, position, count, data, info.file)) {
        readExactly(fd, new Uint8Array(buf, 2 * count, 2 * count), position, info.file);
        widenBf16InPlace(buf, count);
      }
    } else {
      readExactly(fd, new Uint8Array(buf, 0, count * BYTES_PER_ELEMENT[dtype]), position, info.file);
      data = dtype === 'float64' ? new Float64Array(buf, 0, count) : dtype === 'float16' ? new Uint16Array(buf, 0, count) : new Float32Array(buf, 0, count);
    }
    const whole = start === 0 && rows === (info.shape[0] ?? 1);
    return { dtype, dims: whole ? info.shape : [rows, ...info.shape.slice(1)], data };
  }

  /** Bytes held in reusable buffers now. */
  get residentBytes(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.byteLength;
    return n;
  }

  /** Drops the buffers of slots (to give memory back between phases). */
  forget(slots: Iterable<string>): void {
    for (const s of slots) {
      this.buffers.delete(s);
      this.holding.delete(s);
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.buffers.clear();
    this.holding.clear();
  }

  private fd(file: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      try {
        fd = openSync(file, 'r');
      } catch (err) {
        throw fileError(err, file, 'model weights file');
      }
      this.fds.set(file, fd);
    }
    return fd;
  }
}

