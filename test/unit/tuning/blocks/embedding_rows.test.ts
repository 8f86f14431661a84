import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddingRowsReader } from '../../../../src/engine/tuning/embedding_rows.js';
import { floatToBf16Bits, floatToF16Bits } from '../../../../src/engine/weights/half.js';
import { readSafetensorsHeader, readTensorAsFloat64 } from '../../../../src/engine/weights/safetensors_read.js';
import { writeSafetensors } from '../../../../src/engine/weights/safetensors_write.js';
import { expectSpsError } from '../../../helpers/errors.js';
import { storiesModelDir, useTempDir } from '../../../helpers/fixtures.js';

describe('embeddingRowsReader', () => {
  const tmp = useTempDir();

  it('reads rows of the real stories260K embedding identical to the whole-tensor read', () => {
    const st = readSafetensorsHeader(join(storiesModelDir(), 'model.safetensors'));
    const info = st.tensors.get('model.embed_tokens.weight')!;
    expect(info.shape).toEqual([512, 64]);
    expect(info.dtype).toBe('F32');
    const all = readTensorAsFloat64(info);
    const ids = [0, 1, 511, 100, 100, 37, 256];
    const rows = embeddingRowsReader(info)(ids);
    expect(rows.length).toBe(ids.length * 64);
    ids.forEach((id, r) => expect(Array.from(rows.subarray(r * 64, (r + 1) * 64)), `row ${id}`).toEqual(Array.from(all.subarray(id * 64, (id + 1) * 64))));
    expect(embeddingRowsReader(info)([]).length).toBe(0);
  });

  it('decodes F16 and BF16 rows exactly as the whole-tensor reader does', () => {
    const vals = Array.from({ length: 5 * 4 }, (_, i) => (i - 7) * 0.37);
    const file = join(tmp(), 'e.safetensors');
    writeSafetensors(file, [
      { name: 'h', dtype: 'F16', shape: [5, 4], data: Uint16Array.from(vals, floatToF16Bits) },
      { name: 'b', dtype: 'BF16', shape: [5, 4], data: Uint16Array.from(vals, floatToBf16Bits) },
    ]);
    const st = readSafetensorsHeader(file);
    for (const name of ['h', 'b']) {
      const info = st.tensors.get(name)!;
      const all = readTensorAsFloat64(info);
      const got = embeddingRowsReader(info)([4, 0, 2]);
      expect(Array.from(got)).toEqual([...all.subarray(16, 20), ...all.subarray(0, 4), ...all.subarray(8, 12)]);
    }
  });

  it('rejects out-of-range ids and non-float or non-2-D tensors', () => {
    const file = join(tmp(), 'bad.safetensors');
    writeSafetensors(file, [
      { name: 'ok', dtype: 'F32', shape: [3, 2], data: new Float32Array(6) },
      { name: 'ints', dtype: 'I32', shape: [3, 2], data: new Int32Array(6) },
      { name: 'flat', dtype: 'F32', shape: [6], data: new Float32Array(6) },
    ]);
    const st = readSafetensorsHeader(file);
    expectSpsError(() => embeddingRowsReader(st.tensors.get('ok')!)([3]), 'INVALID_ARGUMENT', 'token id 3', '0..2');
    expectSpsError(() => embeddingRowsReader(st.tensors.get('ints')!), 'TENSOR_MISMATCH', 'I32');
    expectSpsError(() => embeddingRowsReader(st.tensors.get('flat')!), 'TENSOR_MISMATCH', '[6]');
  });
});
