import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();

function writeParquet(name: string, opts: Parameters<typeof parquetWriteBuffer>[0]): string {
  return t.write(name, new Uint8Array(parquetWriteBuffer(opts)));
}

describe('Parquet reader', () => {
  it('reads flat columns as strings with 1-based row numbers; null becomes absent', async () => {
    const p = writeParquet('flat.parquet', {
      columnData: [
        { name: 'text', data: ['Lily smiled.', 'Tom cried.', null], type: 'STRING' },
        { name: 'label', data: ['happy', 'sad', 'happy'], type: 'STRING' },
        { name: 'score', data: [1, 2, 3], type: 'INT32' },
        { name: 'big', data: [1n, 2n, 3n], type: 'INT64' },
        { name: 'ok', data: [true, false, true], type: 'BOOLEAN' },
        { name: 'x', data: [0.5, 1.25, -2], type: 'DOUBLE' },
      ],
    });
    expect(await collect(p)).toEqual([
      { fields: { text: 'Lily smiled.', label: 'happy', score: '1', big: '1', ok: 'true', x: '0.5' }, line: 1 },
      { fields: { text: 'Tom cried.', label: 'sad', score: '2', big: '2', ok: 'false', x: '1.25' }, line: 2 },
      { fields: { label: 'happy', score: '3', big: '3', ok: 'true', x: '-2' }, line: 3 },
    ]);
  });

  it('reads several row groups in order with continuing row numbers and progress up to the file size', async () => {
    const n = 2500;
    const p = writeParquet('groups.parquet', {
      columnData: [{ name: 'text', data: Array.from({ length: n }, (_, i) => `row ${i}`), type: 'STRING' }],
      rowGroupSize: 1000,
    });
    const progress: Array<[number, number]> = [];
    const recs = await collect(p, { onProgress: (r, total) => progress.push([r, total]) });
    expect(recs.length).toBe(n);
    expect(recs[1234]).toEqual({ fields: { text: 'row 1234' }, line: 1235 });
    expect(progress.length).toBe(3);
    for (let i = 1; i < progress.length; i++) expect(progress[i]?.[0]).toBeGreaterThan(progress[i - 1]?.[0] ?? 0);
    const last = progress[progress.length - 1];
    expect(last?.[0]).toBe(last?.[1]);
  });

  it('a nested struct column is refused, naming the column', async () => {
    const p = writeParquet('struct.parquet', {
      columnData: [
        { name: 'text', data: ['x', 'y'] },
        { name: 'meta', data: [{ k: 'a' }, { k: 'b' }] },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'meta', repetition_type: 'OPTIONAL', num_children: 1 },
        { name: 'k', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    });
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, field: 'meta', parts: ['nested column (struct)'], hint: 'flatten' });
  });

  it('a list column is refused, naming the column', async () => {
    const p = writeParquet('list.parquet', {
      columnData: [
        { name: 'text', data: ['x', 'y'] },
        { name: 'tags', data: [['a', 'b'], ['c']] },
      ],
      schema: [
        { name: 'root', num_children: 2 },
        { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
        { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ],
    });
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, field: 'tags', parts: ['nested column (list)'] });
  });

  it('a file that is not Parquet (CSV renamed) is refused with a hint', async () => {
    const p = t.write('fake.parquet', 'text,label\na,b\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, parts: ['not a valid Parquet file'], hint: 'not CSV' });
  });

  it('a truncated Parquet file is refused', async () => {
    const full = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['a', 'b'], type: 'STRING' }] }));
    const p = t.write('trunc.parquet', full.subarray(0, full.length - 10));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, parts: ['Parquet'] });
  });
});
