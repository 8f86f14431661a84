import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, previewRecords } from '../../../../src/engine/data/readers/index.js';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('format detection', () => {
  it('maps extensions (case-insensitive)', () => {
    expect(detectFormat('a.csv')).toBe('csv');
    expect(detectFormat('A.TSV')).toBe('tsv');
    expect(detectFormat('a.jsonl')).toBe('jsonl');
    expect(detectFormat('a.ndjson')).toBe('jsonl');
    expect(detectFormat('a.json')).toBe('json');
    expect(detectFormat('x/y.parquet')).toBe('parquet');
    expect(detectFormat('notes.txt')).toBe('text');
  });

  it('unknown extension lists the supported ones', async () => {
    await expectDataError(() => detectFormat('/data/book.xlsx'), 'INVALID_DATA', { file: '/data/book.xlsx', parts: ['".xlsx"'], hint: '.csv, .tsv, .tab, .jsonl, .ndjson, .json, .parquet' });
  });

  it('no extension', async () => {
    await expectDataError(() => detectFormat('/data/README'), 'INVALID_DATA', { file: '/data/README', parts: ['no extension'], hint: '.jsonl' });
  });

  it('an explicit format overrides the extension', async () => {
    const p = t.write('data.dat', 'text,label\na,b\n');
    expect(await collect(p, { format: 'csv' })).toEqual([{ fields: { text: 'a', label: 'b' }, line: 2, span: { offset: 11, bytes: 4 } }]);
  });
});

describe('file errors', () => {
  it('missing file', async () => {
    const p = join(t.dir, 'nope.csv');
    await expectDataError(() => collect(p), 'FILE_NOT_FOUND', { file: p, hint: 'path' });
  });

  it('a folder instead of a file', async () => {
    const d = join(t.dir, 'folder.csv');
    mkdirSync(d);
    await expectDataError(() => collect(d), 'NOT_A_FILE', { file: d, parts: ['folder'], hint: 'inside it' });
  });

  it('a path whose parent is a file', async () => {
    const f = t.write('plain.csv', 'a\n1\n');
    await expectDataError(() => collect(join(f, 'x.csv')), 'FILE_NOT_FOUND', { file: join(f, 'x.csv') });
  });

  it.skipIf(isRoot)('a file without read permission (non-root only: root can read it)', async () => {
    const p = t.write('secret.csv', 'text\na\n');
    chmodSync(p, 0o000);
    try {
      await expectDataError(() => collect(p), 'FILE_UNREADABLE', { file: p, parts: ['permission denied'], hint: 'permission' });
    } finally {
      chmodSync(p, 0o644);
    }
  });

  // Meaningful as root too: /proc/self/mem stats as a regular file but reading offset 0 fails (EIO).
  it.skipIf(!existsSync('/proc/self/mem'))('a file that stats fine but fails to read (I/O error)', async () => {
    await expectDataError(() => collect('/proc/self/mem', { format: 'text' }), 'FILE_UNREADABLE', { file: '/proc/self/mem', parts: ['cannot be read'], hint: 'readable' });
  });

  it('a device or pipe is not a regular file', async () => {
    await expectDataError(() => collect('/dev/null', { format: 'csv' }), 'NOT_A_FILE', { file: '/dev/null', hint: 'regular file' });
  });
});

describe('preview', () => {
  it('returns the first records and the columns without reading the rest', async () => {
    const p = t.write('prev.jsonl', '{"a":"1"}\n{"b":"2"}\n{"c":"3"}\nnot json at all\n');
    const pv = await previewRecords(p, 2);
    expect(pv.format).toBe('jsonl');
    expect(pv.records.map((r) => r.line)).toEqual([1, 2]);
    expect(pv.columns).toEqual(['a', 'b']);
  });
});
