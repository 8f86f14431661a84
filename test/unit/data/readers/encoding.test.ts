import { describe, expect, it } from 'vitest';
import { StrictUtf8Decoder, decodeUtf8Strict, findInvalidUtf8, sniffNonUtf8 } from '../../../../src/engine/data/encoding.js';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();

function utf16le(s: string, bom = true): Buffer {
  const body = Buffer.from(s, 'utf16le');
  return bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), body]) : body;
}

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) {
    const a = le[i] as number;
    le[i] = le[i + 1] as number;
    le[i + 1] = a;
  }
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
}

describe('strict UTF-8', () => {
  it('decodes valid UTF-8 and strips one BOM', () => {
    expect(decodeUtf8Strict(Buffer.from('\uFEFFhé 🐶'), 'f')).toBe('hé 🐶');
    expect(decodeUtf8Strict(Buffer.from('hé'), 'f')).toBe('hé');
  });

  it('decodes characters split across chunks at every position', () => {
    const bytes = Buffer.from('aé🐶€z\nb');
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
        const d = new StrictUtf8Decoder('f');
        const s = d.push(bytes.subarray(0, cut)) + d.push(bytes.subarray(cut, cut2)) + d.push(bytes.subarray(cut2)) + d.end();
        expect(s, `cuts ${cut},${cut2}`).toBe('aé🐶€z\nb');
      }
    }
  });

  it('findInvalidUtf8 locates overlongs, surrogates, stray continuations and truncation', () => {
    expect(findInvalidUtf8(Buffer.from('abc'))).toBe(-1);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(findInvalidUtf8(Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]))).toBe(2); // surrogate
    expect(findInvalidUtf8(Buffer.from([0x80]))).toBe(0);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]), 0, true)).toBe(-1);
    expect(findInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // > U+10FFFF
  });

  it('sniffs UTF-16 with and without BOM, and binary containers', () => {
    expect(sniffNonUtf8(utf16le('text,label\n'))?.encoding).toBe('utf-16le');
    expect(sniffNonUtf8(utf16le('text,label\n', false))?.encoding).toBe('utf-16le');
    expect(sniffNonUtf8(utf16be('text,label\n'))?.encoding).toBe('utf-16be');
    expect(sniffNonUtf8(Buffer.from('PK\x03\x04rest'))?.encoding).toBe('binary');
    expect(sniffNonUtf8(Buffer.from('text,label\nhello,world\n'))).toBeUndefined();
  });
});

describe('encoding errors in data files', () => {
  it('invalid UTF-8 names the byte offset and line, and suggests iconv', async () => {
    const head = 'text,label\nok,a\n';
    const p = t.write('bad.csv', Buffer.concat([Buffer.from(head), Buffer.from([0x63, 0x61, 0x66, 0xc3, 0x28]), Buffer.from(',b\n')]));
    const err = await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: [`byte offset ${Buffer.byteLength(head) + 3}`, 'not valid UTF-8'], hint: 'iconv' });
    expect(err.hint).toContain('-t UTF-8');
  });

  it('Windows-1252 text (curly quotes, é) is recognised as such', async () => {
    // "caf\xe9" and a right single quote 0x92 in Windows-1252
    const p = t.write('cp1252.csv', Buffer.concat([Buffer.from('text,label\n'), Buffer.from([0x4c, 0x69, 0x6c, 0x79, 0x92, 0x73, 0x20, 0x63, 0x61, 0x66, 0xe9]), Buffer.from(',happy\n')]));
    const err = await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 2, parts: ['WINDOWS-1252', 'byte offset 15'], hint: 'iconv -f WINDOWS-1252 -t UTF-8' });
    expect(err.message).toContain('’');
  });

  it('invalid byte deep in a large file (past the first chunk) gets the right offset and line', async () => {
    const line = 'some text,label\n';
    const n = Math.ceil((1 << 20) / line.length) + 100;
    const good = Buffer.from('text,label\n' + line.repeat(n));
    const p = t.write('late-bad.csv', Buffer.concat([good, Buffer.from([0xff]), Buffer.from(',x\n')]));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: n + 2, parts: [`byte offset ${good.length}`] });
  });

  it('a UTF-16 LE file with BOM is refused with the conversion command', async () => {
    const p = t.write('utf16.csv', utf16le('text,label\nhi,a\n'));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['UTF-16 (little-endian'], hint: 'iconv -f UTF-16LE -t UTF-8' });
  });

  it('a UTF-16 LE file without BOM is recognised by its NUL bytes', async () => {
    const p = t.write('utf16nobom.jsonl', utf16le('{"text": "hello"}\n', false));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['UTF-16'], hint: 'UTF-16LE' });
  });

  it('a UTF-16 BE file is refused', async () => {
    const p = t.write('utf16be.txt', utf16be('hello there\n'));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['big-endian'], hint: 'UTF-16BE' });
  });

  it('an Excel workbook renamed .csv is called a binary file', async () => {
    const p = t.write('book.csv', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 1)]));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, parts: ['zip'], hint: 'CSV' });
  });

  it('a truncated multi-byte character at the end of the file is an error', async () => {
    const p = t.write('trunc.txt', Buffer.concat([Buffer.from('hello\nwor'), Buffer.from([0xe2, 0x82])]));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 2, parts: ['byte offset 9'] });
  });
});
