import { describe, expect, it } from 'vitest';
import { CsvParser } from '../../../../src/engine/data/readers/csv.js';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();

describe('CSV reader: valid files', () => {
  it('reads a header and rows as string fields with 1-based lines and byte spans', async () => {
    const p = t.write('basic.csv', 'text,label\nLily smiled.,happy\nTom cried.,sad\n');
    const recs = await collect(p);
    expect(recs).toEqual([
      { fields: { text: 'Lily smiled.', label: 'happy' }, line: 2, span: { offset: 11, bytes: 19 } },
      { fields: { text: 'Tom cried.', label: 'sad' }, line: 3, span: { offset: 30, bytes: 15 } },
    ]);
  });

  it('handles quoted separators, escaped quotes and newlines inside quotes (line numbers stay physical)', async () => {
    const p = t.write('quoted.csv', 'text,label\n"Hello, world",a\n"She said ""hi""",b\n"two\nlines",c\nlast,d');
    const recs = await collect(p);
    expect(recs.map((r) => r.fields.text)).toEqual(['Hello, world', 'She said "hi"', 'two\nlines', 'last']);
    expect(recs.map((r) => r.line)).toEqual([2, 3, 4, 6]);
  });

  it('handles CRLF line endings (also inside quotes) and a final line without a newline', async () => {
    const p = t.write('crlf.csv', 'text,label\r\n"a\r\nb",x\r\nc,y');
    const recs = await collect(p);
    expect(recs).toEqual([
      { fields: { text: 'a\r\nb', label: 'x' }, line: 2, span: { offset: 11, bytes: 10 } },
      { fields: { text: 'c', label: 'y' }, line: 4, span: { offset: 21, bytes: 4 } },
    ]);
  });

  it('strips a UTF-8 BOM from the first header name', async () => {
    // A quoted first header name shows it: with the BOM left in, "text" would not start with a quote.
    const p = t.write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('"text",label\nhi,a\n')]));
    const recs = await collect(p);
    expect(Object.keys(recs[0]?.fields ?? {})).toEqual(['text', 'label']);
  });

  it('skips blank lines, keeps empty and quoted-empty fields, trims header names', async () => {
    const p = t.write('blank.csv', ' text , label \n\na,\n"",b\n\n');
    const recs = await collect(p);
    expect(recs).toEqual([
      { fields: { text: 'a', label: '' }, line: 3, span: { offset: 15, bytes: 4 } },
      { fields: { text: '', label: 'b' }, line: 4, span: { offset: 19, bytes: 5 } },
    ]);
  });

  it('keeps non-ASCII text intact', async () => {
    const p = t.write('utf8.csv', 'text,label\nCafé 🐶 naïve,ok\n');
    expect((await collect(p))[0]?.fields.text).toBe('Café 🐶 naïve');
  });

  it('reads TSV, including a quoted field that contains a tab', async () => {
    const p = t.write('data.tsv', 'text\tlabel\n"a\tb"\tx\nplain, with comma\ty\n');
    const recs = await collect(p);
    expect(recs.map((r) => r.fields)).toEqual([
      { text: 'a\tb', label: 'x' },
      { text: 'plain, with comma', label: 'y' },
    ]);
  });

  it('parses identically whatever the chunk boundaries (quotes, CRLF and "" split across chunks)', () => {
    const text = 'a,b\r\n"x,""y""\r\nz",2\r\n"",3\r\nq,"4"\r\n';
    const whole = new CsvParser('f.csv', ',');
    const ref = [...whole.push(text), ...whole.end()];
    expect(ref.map((r) => r.values)).toEqual([['a', 'b'], ['x,"y"\r\nz', '2'], ['', '3'], ['q', '4']]);
    for (let cut = 1; cut < text.length; cut++) {
      for (let cut2 = cut; cut2 < text.length; cut2 += 3) {
        const p = new CsvParser('f.csv', ',');
        const rows = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut, cut2)), ...p.push(text.slice(cut2)), ...p.end()];
        expect(rows, `cuts ${cut},${cut2}`).toEqual(ref);
      }
    }
  });

  it('keeps a stray quote inside an unquoted field literally', async () => {
    const p = t.write('stray.csv', 'text,label\nA 5" screen,x\n');
    expect((await collect(p))[0]?.fields.text).toBe('A 5" screen');
  });
});

describe('CSV reader: malformed files', () => {
  it('ragged row: too many fields names the line and both counts', async () => {
    const p = t.write('ragged.csv', 'text,label\na,b\nc,d,e\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: ['3 fields', 'header has 2'], hint: 'double quotes' });
  });

  it('ragged row: too few fields', async () => {
    const p = t.write('ragged2.csv', 'text,label,extra\na,b,c\nonly\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: ['1 field,', 'header has 3'] });
  });

  it('ragged row after a multi-line quoted field reports the physical line', async () => {
    const p = t.write('ragged3.csv', 'text,label\n"a\nb\nc",x\nd\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 5 });
  });

  it('unclosed quote names the line where the quoted field starts', async () => {
    const p = t.write('unclosed.csv', 'text,label\nok,a\n"never closed,b\nmore,c\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, field: 'text', parts: ['never closed'], hint: 'closing quote' });
  });

  it('unclosed quote in a huge file is reported once the field passes the size limit (no unbounded memory)', async () => {
    const p = t.write('unclosed-big.csv', 'text,label\n"' + 'x'.repeat(5000) + '\n'.repeat(10));
    await expectDataError(() => collect(p, { maxLineChars: 1000 }), 'INVALID_DATA', { file: p, line: 2, parts: ['never closed'] });
  });

  it('text after a closing quote', async () => {
    const p = t.write('afterquote.csv', 'text,label\n"abc"def,x\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 2, field: 'text', parts: ['after the closing quote'], hint: '""' });
  });

  it('duplicate header names', async () => {
    const p = t.write('dup.csv', 'text,label,text\na,b,c\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, field: 'text', parts: ['columns 1 and 3'], hint: 'unique' });
  });

  it('empty header name', async () => {
    const p = t.write('emptyname.csv', 'text,,label\na,b,c\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, field: 'column 2', hint: 'name' });
  });

  it('header only, no data rows', async () => {
    const p = t.write('headeronly.csv', 'text,label\n\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 2, parts: ['no data rows', 'text, label'] });
  });

  it('empty file', async () => {
    const p = t.write('empty.csv', '');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['empty'], hint: 'header row' });
  });

  it('file with only a BOM and blank lines is empty', async () => {
    const p = t.write('bomonly.csv', Buffer.from([0xef, 0xbb, 0xbf, 0x0a, 0x0a]));
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['empty'] });
  });

  it('semicolon-separated file read as CSV says which separator it seems to use', async () => {
    const p = t.write('semi.csv', 'text;label\na;b\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, field: 'text;label', parts: ['";"'] });
  });

  it('tab-separated file named .csv suggests .tsv', async () => {
    const p = t.write('tabs.csv', 'text\tlabel\na\tb\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['tabs'], hint: '.tsv' });
  });

  it('a row longer than the limit is an error, not an out-of-memory', async () => {
    const p = t.write('longrow.csv', 'text,label\n' + 'y'.repeat(3000) + ',a\n');
    await expectDataError(() => collect(p, { maxLineChars: 1000 }), 'INVALID_DATA', { file: p, line: 2, parts: ['longer than'] });
  });

  it('reading stops at the first structural error, after yielding the good rows before it', async () => {
    const p = t.write('partial.csv', 'text,label\na,1\nb,2\nc\n');
    const seen: number[] = [];
    await expectDataError(async () => {
      for await (const r of (await import('../../../../src/engine/data/readers/index.js')).readRecords(p)) seen.push(r.line);
    }, 'INVALID_DATA', { file: p, line: 4 });
    expect(seen).toEqual([2, 3]);
  });
});
