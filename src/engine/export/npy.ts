import { readFileSync, writeFileSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { softPrompt, type SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * NumPy `.npy` files for soft prompts: a 2-D float array (num_virtual_tokens, dim).
 *
 * Format (numpy.lib.format): magic `\x93NUMPY`, major/minor version bytes, a little-endian
 * header length (u16 for 1.0, u32 for 2.0/3.0), then a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (4, 64), }` padded with spaces and a
 * final newline so the data starts on a 64-byte boundary (numpy's ARRAY_ALIGN), then the raw
 * array bytes. We write 1.0 headers; we read 1.0–3.0, float32/float64 of either byte order and
 * C or Fortran order.
 */

export type NpyFloat = 'float32' | 'float64';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;
const EXPECTED = "a float32 ('<f4') or float64 ('<f8') array of shape (num_virtual_tokens, hidden_size)";

/** Encodes the prompt as a version 1.0 .npy file ('<f4' or '<f8', C order, shape (n, d)). */
export function encodeNpy(p: SoftPrompt, dtype: NpyFloat = 'float32'): Buffer {
  const descr = dtype === 'float32' ? '<f4' : '<f8';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${p.numVirtualTokens}, ${p.dim}), }`;
  // Pad so that magic(6) + version(2) + length(2) + header (ending in '\n') is a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  if (header.length > 0xffff) throw new SpsError('INTERNAL', 'npy header too long for format version 1.0');
  const values = dtype === 'float32' ? Float32Array.from(p.data) : Float64Array.from(p.data);
  const out = Buffer.alloc(10 + header.length + values.byteLength);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, 10, 'latin1');
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const start = 10 + header.length;
  if (dtype === 'float32') values.forEach((v, i) => view.setFloat32(start + 4 * i, v, true));
  else values.forEach((v, i) => view.setFloat64(start + 8 * i, v, true));
  return out;
}

export function writeNpy(path: string, p: SoftPrompt, dtype: NpyFloat = 'float32'): void {
  try {
    writeFileSync(path, encodeNpy(p, dtype), { flag: 'wx' });
  } catch (err) {
    throw fileError(err, path, '.npy output file');
  }
}

export interface NpyArray {
  shape: number[];
  /** The header's descr, e.g. '<f4'. */
  descr: string;
  data: Float64Array;
}

/** Reads a .npy file holding a soft prompt; `expectDim` checks the width. */
export function readNpyPrompt(path: string, expectDim?: number): SoftPrompt {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw fileError(err, path, 'soft prompt .npy file');
  }
  return npyToPrompt(buf, path, expectDim);
}

export function npyToPrompt(buf: Buffer, file: string, expectDim?: number): SoftPrompt {
  const arr = decodeNpy(buf, file);
  if (arr.shape.length !== 2) {
    throw new SpsError('TENSOR_MISMATCH', `the array has shape (${arr.shape.join(', ')}${arr.shape.length === 1 ? ',' : ''}), expected 2 dimensions (num_virtual_tokens, hidden_size)`, {
      location: { file, field: 'shape' },
      hint: 'save the prompt as a 2-D array, e.g. np.save(path, prompt.reshape(n, d))',
    });
  }
  const [n, d] = arr.shape as [number, number];
  if (n < 1 || d < 1) throw new SpsError('TENSOR_MISMATCH', `the array has shape (${n}, ${d}); a soft prompt needs at least one virtual token of width ≥ 1`, { location: { file, field: 'shape' } });
  if (expectDim !== undefined && d !== expectDim) {
    throw new SpsError('TENSOR_MISMATCH', `the soft prompt is ${d} wide but the model's hidden size is ${expectDim}`, { location: { file, field: 'shape' }, hint: 'use a prompt trained for this model (its width must equal hidden_size)' });
  }
  return softPrompt(n, d, arr.data);
}

/** Parses a .npy buffer holding a float32/float64 array into float64, in C order. */
export function decodeNpy(buf: Buffer, file: string): NpyArray {
  const bad = (message: string, field?: string): SpsError =>
    new SpsError('INVALID_DATA', message, { location: { file, ...(field ? { field } : {}) }, hint: `expected a NumPy .npy file holding ${EXPECTED}` });
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('not a NumPy .npy file (it does not start with \\x93NUMPY)');
  const major = buf[6]!;
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('the file ends inside its header (truncated?)');
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw bad(`unsupported .npy format version ${major}.${buf[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (headerStart + headerLen > buf.length) throw bad(`the header says it is ${headerLen} bytes but the file has only ${buf.length - headerStart} after the preamble (truncated?)`);
  const header = buf.subarray(headerStart, headerStart + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined) throw bad("the header has no 'descr' (dtype)", 'descr');
  if (fortran === undefined) throw bad("the header has no 'fortran_order'", 'fortran_order');
  if (shapeText === undefined) throw bad("the header has no 'shape'", 'shape');
  const shapeParts = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!shapeParts.every((s) => /^\d+L?$/.test(s))) throw bad(`the header's shape (${shapeText}) is not a tuple of whole numbers`, 'shape');
  const shape = shapeParts.map((s) => Number.parseInt(s, 10));
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kind = m?.[2];
  const size = m ? Number(m[3]) : 0;
  if (!m || kind !== 'f' || (size !== 4 && size !== 8)) {
    throw new SpsError('TENSOR_MISMATCH', `the array has dtype '${descr}'${describeDescr(descr)}; expected float32 ('<f4') or float64 ('<f8')`, {
      location: { file, field: 'descr' },
      hint: 'convert it first, e.g. np.save(path, prompt.astype(np.float32))',
    });
  }
  const bigEndian = m[1] === '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLen;
  const need = count * size;
  if (buf.length - dataStart < need) {
    throw bad(`the data is ${buf.length - dataStart} bytes but shape (${shape.join(', ')}) of '${descr}' needs ${need} (truncated?)`);
  }
  if (buf.length - dataStart > need) throw bad(`the file has ${buf.length - dataStart - need} bytes after the array data (shape (${shape.join(', ')}) of '${descr}' needs ${need})`);
  const view = new DataView(buf.buffer, buf.byteOffset + dataStart, need);
  const flat = new Float64Array(count);
  for (let i = 0; i < count; i++) flat[i] = size === 4 ? view.getFloat32(4 * i, !bigEndian) : view.getFloat64(8 * i, !bigEndian);
  const data = fortran === 'True' && shape.length === 2 ? fortranToC(flat, shape[0]!, shape[1]!) : flat;
  if (fortran === 'True' && shape.length > 2) throw bad('Fortran-order arrays with more than 2 dimensions are not supported', 'fortran_order');
  return { shape, descr, data };
}

function fortranToC(src: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = src[c * rows + r]!;
  return out;
}

function describeDescr(descr: string): string {
  const kind = /^[<>|=]?([a-zA-Z])/.exec(descr)?.[1];
  const names: Record<string, string> = { i: 'signed integer', u: 'unsigned integer', b: 'boolean', c: 'complex', O: 'Python object', U: 'unicode string', S: 'byte string', V: 'raw bytes', M: 'datetime', m: 'timedelta' };
  if (kind === 'f') return ' (a float width we do not read)';
  return kind !== undefined && names[kind] ? ` (${names[kind]})` : '';
}
