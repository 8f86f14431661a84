import { describe, expect, it } from 'vitest';
import { cutPoint } from '../../../../src/engine/data/readers/text.js';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();

describe('text reader', () => {
  it("'lines' mode: one record per non-blank line, with its line number (LF, CRLF, CR)", async () => {
    const p = t.write('a.txt', 'The cat sat.\r\n\r\n  \nThe dog ran.\rThe end.');
    expect(await collect(p)).toEqual([
      { fields: { text: 'The cat sat.' }, line: 1, span: { offset: 0, bytes: 12 } },
      { fields: { text: 'The dog ran.' }, line: 4, span: { offset: 19, bytes: 12 } },
      { fields: { text: 'The end.' }, line: 5, span: { offset: 32, bytes: 8 } },
    ]);
  });

  it("'chunks' mode cuts at whitespace into pieces of at most chunkChars, losing no words", async () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const text = words.join(' ').replace(/word(\d*0) /g, 'word$1.\n');
    const p = t.write('b.txt', text);
    const recs = await collect(p, { textMode: 'chunks', chunkChars: 100 });
    expect(recs.length).toBeGreaterThan(20);
    for (const r of recs) expect(r.fields.text?.length).toBeLessThanOrEqual(100);
    expect(recs.map((r) => r.fields.text).join(' ').split(/\s+/)).toEqual(text.split(/\s+/));
    // line numbers point at where each chunk starts
    const lines = text.split('\n');
    for (const r of recs) expect(lines[r.line - 1]).toContain((r.fields.text ?? '').split(/\s/)[0]);
  });

  it('chunk cut prefers a paragraph break, then a sentence end', () => {
    expect(cutPoint('aaaa aaaa aaaa.\n\nbbbb bbbb', 20)).toBe(17);
    expect(cutPoint('aaaa aaaa aaa. bbbb bbbb cccc', 20)).toBe(14);
    expect(cutPoint('aaaa aaaa aaaa bbbb bbbb cccc', 20)).toBe(19);
    expect(cutPoint('x'.repeat(40), 20)).toBe(20);
  });

  it('empty text file', async () => {
    const p = t.write('empty.txt', '\n\n   \n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['empty'] });
  });

  it('a bad chunk size is an argument error naming the setting', async () => {
    const p = t.write('c.txt', 'hello');
    await expectDataError(() => collect(p, { textMode: 'chunks', chunkChars: 3 }), 'INVALID_ARGUMENT', { field: 'chunkChars' });
  });
});
