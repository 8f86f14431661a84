import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { bf16ArrayToFloat32, f16ArrayToFloat32 } from '../weights/half.js';
import { dtypeSize, type TensorInfo } from '../weights/safetensors_read.js';
import type { EmbeddingRows } from './prompt_init.js';

/**
 * Reads selected rows of a 2-D embedding tensor straight from its safetensors file.
 *
 * Why not readTensorAsFloat64: an embedding matrix is vocab × hidden (e.g. 152k × 3584 BF16
 * ≈ 1 GB); prompt initialisation needs a few dozen rows, so each row is read at its own
 * offset. The file is opened per call and closed before returning, so no descriptor is held
 * between calls (the weights may be memory-mapped by onnxruntime meanwhile).
 */
export function embeddingRowsReader(info: TensorInfo): EmbeddingRows {
  if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16' && info.dtype !== 'F64') {
    throw new SpsError('TENSOR_MISMATCH', `embedding tensor "${info.name}" has dtype ${info.dtype}; expected F32, F16 or BF16`, { location: { file: info.file, field: info.name } });
  }
  if (info.shape.length !== 2) {
    throw new SpsError('TENSOR_MISMATCH', `embedding tensor "${info.name}" has shape [${info.shape.join(', ')}], expected [vocab_size, hidden_size]`, { location: { file: info.file, field: info.name } });
  }
  const [vocab, d] = info.shape as [number, number];
  const size = dtypeSize(info.dtype);
  const rowBytes = d * size;
  if (info.byteLength !== vocab * rowBytes) {
    throw new SpsError('INVALID_SAFETENSORS', `embedding tensor "${info.name}" has ${info.byteLength} bytes, expected ${vocab * rowBytes} for [${vocab}, ${d}] ${info.dtype}`, { location: { file: info.file, field: info.name } });
  }
  const dtype = info.dtype;

  return (ids: number[]): Float64Array => {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab) {
        throw new SpsError('INVALID_ARGUMENT', `token id ${id} is outside the embedding matrix (0..${vocab - 1})`, { location: { file: info.file, field: info.name } });
      }
    }
    // Typed views below reinterpret little-endian bytes directly (as safetensors_read does).
    if (endianness() !== 'LE') throw new SpsError('INTERNAL', 'big-endian hosts are not supported for reading safetensors');
    const out = new Float64Array(ids.length * d);
    if (ids.length === 0) return out;
    let fd: number;
    try {
      fd = openSync(info.file, 'r');
    } catch (err) {
      throw fileError(err, info.file, 'model weights file');
    }
    try {
      // A fresh buffer per call starts at byte 0 of its ArrayBuffer, so wider views are aligned.
      const raw = new Uint8Array(rowBytes);
      ids.forEach((id, r) => {
        readRow(fd, raw, info.byteOffset + id * rowBytes, info.file);
        const dst = out.subarray(r * d, (r + 1) * d);
        switch (dtype) {
          case 'F32':
            dst.set(new Float32Array(raw.buffer, 0, d));
            break;
          case 'F64':
            dst.set(new Float64Array(raw.buffer, 0, d));
            break;
          case 'F16':
            f16ArrayToFloat32(new Uint16Array(raw.buffer, 0, d), dst);
            break;
          case 'BF16':
            bf16ArrayToFloat32(new Uint16Array(raw.buffer, 0, d), dst);
            break;
        }
      });
    } finally {
      closeSync(fd);
    }
    return out;
  };
}

/** readSync may return short counts; loop until the row is complete or the file ends. */
function readRow(fd: number, buf: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) {
      throw new SpsError('INVALID_SAFETENSORS', `file ended early (read ${done} of ${buf.length} bytes at offset ${position})`, {
        location: { file },
        hint: 'the file changed or was truncated while reading; download it again',
      });
    }
    done += n;
  }
}
