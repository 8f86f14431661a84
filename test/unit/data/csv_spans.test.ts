import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExamples, type TaskSpec } from '../../../src/engine/data/dataset.js';
import { ExampleTexts, indexExamples } from '../../../src/engine/data/example_index.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
import { useTempDir } from '../../helpers/fixtures.js';

const tmp = useTempDir('sps-csv-spans-');

/**
 * A CSV/TSV over 2 MB (so rows straddle the 1 MiB read chunks) with what RFC 4180 allows: a
 * byte-order mark, quoted fields with separators, doubled quotes and line breaks, CRLF and LF
 * endings, blank lines, multi-byte text and emoji, and a last row without a line ending.
 */
function writeTable(file: string, sep: ',' | '\t', rows: number): void {
  const rand = mulberry32(5);
  const words = ['the', 'dog', 'café', 'naïve', '雨', 'ran', '🙂', 'say "hi"', 'a, b', 'two\nlines', 'tab\there', 'sky'];
  const quote = (v: string) => (/[",\t\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const parts = ['\ufeff', `text${sep}label\r\n`];
  for (let i = 0; i < rows; i++) {
    const text = Array.from({ length: 2 + Math.floor(rand() * 10) }, () => words[Math.floor(rand() * words.length)]).join(' ');
    parts.push(`${quote(`${i} ${text}`)}${sep}${i % 3 === 0 ? 'pos' : 'neg'}`);
    if (i < rows - 1) parts.push(i % 5 === 0 ? '\r\n' : '\n');
    if (i % 97 === 0) parts.push('\n');
  }
  writeFileSync(file, parts.join(''));
}

describe('CSV/TSV rows read again from their byte spans (the bounded path of the token cache)', () => {
  for (const [format, sep] of [['csv', ','], ['tsv', '\t']] as const) {
    it(`${format}: every rebuilt example equals the first pass, and no texts are kept in memory`, async () => {
      const file = join(tmp(), `data.${format}`);
      writeTable(file, sep, 24_000);
      const task: TaskSpec = { kind: 'classification', inputTemplate: 'Review: {text}', labelColumn: 'label' };
      const index = await indexExamples(file, task);
      expect(index.spans).toBe(true);
      expect(index.texts).toBeUndefined();
      const reference = await loadExamples(file, task);
      expect(index.count).toBe(reference.examples.length);
      const texts = new ExampleTexts(index, task);
      try {
        reference.examples.forEach((ex, i) => {
          const got = texts.example(i);
          if (got.input !== ex.input || got.output !== ex.output || got.label !== ex.label) expect({ i, input: got.input, output: got.output, label: got.label }).toEqual({ i, input: ex.input, output: ex.output, label: ex.label });
        });
      } finally {
        texts.close();
      }
    });
  }
});

describe('formats kept in memory (JSON arrays, Parquet, text chunks)', () => {
  it('refuse a dataset above the in-memory size limit with an error naming the file and suggesting JSONL', async () => {
    const file = join(tmp(), 'big.json');
    writeFileSync(file, JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ text: `row ${i} `.repeat(20), label: i % 2 ? 'a' : 'b' }))));
    const task: TaskSpec = { kind: 'classification', inputTemplate: '{text}', labelColumn: 'label' };
    const small = await indexExamples(file, task);
    expect(small.texts).toHaveLength(50);
    await expect(indexExamples(file, task, {}, { maxTextChars: 2000 })).rejects.toMatchObject({
      code: 'INVALID_DATA',
      message: expect.stringMatching(/too large for the JSON format.*2,000 characters/),
      location: { file },
      hint: expect.stringMatching(/JSONL/),
    });
  });
});
