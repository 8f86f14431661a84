import { describe, expect, it } from 'vitest';
import { elementLines } from '../../../../src/engine/data/readers/json.js';
import { collect, expectDataError, tempDir } from './_helpers.js';

const t = tempDir();

describe('JSONL reader', () => {
  it('reads objects, stringifies numbers and booleans, drops null, lists nested keys', async () => {
    const p = t.write('a.jsonl', '{"text":"hi","n":3,"b":true,"z":null,"meta":{"k":1},"tags":[1]}\n\n{"text":"yo"}\r\n');
    const recs = await collect(p);
    expect(recs).toEqual([
      // Each row's byte span, to read it again on its own (the token cache's first pass keeps them).
      { fields: { text: 'hi', n: '3', b: 'true' }, line: 1, nested: ['meta', 'tags'], span: { offset: 0, bytes: 63 } },
      { fields: { text: 'yo' }, line: 3, span: { offset: 65, bytes: 13 } },
    ]);
  });

  it('.ndjson is JSONL, and a BOM is fine', async () => {
    const p = t.write('a.ndjson', '\uFEFF{"text":"x"}\n');
    expect(await collect(p)).toEqual([{ fields: { text: 'x' }, line: 1, span: { offset: 3, bytes: 12 } }]);
  });

  it('syntax error names line N, the column and the parser message', async () => {
    const p = t.write('syntax.jsonl', '{"text":"a"}\n{"text":"b"}\n{"text": "c",}\n');
    const err = await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: ['not valid JSON', 'column 14'], hint: 'trailing comma' });
    expect(err.message).toMatch(/\(.+\)/); // JSON.parse's message in parentheses
  });

  it('a line that is not an object says what it is', async () => {
    const p = t.write('notobj.jsonl', '{"text":"a"}\n["text","b"]\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 2, parts: ['an array', 'not a JSON object'], hint: '{"text"' });
  });

  it('a bare string line', async () => {
    const p = t.write('str.jsonl', '"just text"\n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['a string'] });
  });

  it('empty JSONL file', async () => {
    const p = t.write('empty.jsonl', '\n  \n');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['empty'] });
  });

  it('a huge line (over the limit) is an error with the line number', async () => {
    const p = t.write('huge.jsonl', '{"text":"a"}\n{"text":"' + 'x'.repeat(5000) + '"}\n');
    await expectDataError(() => collect(p, { maxLineChars: 1000 }), 'INVALID_DATA', { file: p, line: 2, parts: ['longer than 1,000 characters'], hint: 'line breaks' });
  });
});

describe('JSON reader', () => {
  it('reads an array of objects with the line each element starts on', async () => {
    const p = t.write('a.json', '[\n  {"text": "a", "label": 1},\n  {"text": "b\\n[x]", "label": 2}, {"text": "c"}\n]\n');
    const recs = await collect(p);
    expect(recs).toEqual([
      { fields: { text: 'a', label: '1' }, line: 2 },
      { fields: { text: 'b\n[x]', label: '2' }, line: 3 },
      { fields: { text: 'c' }, line: 3 },
    ]);
  });

  it('elementLines ignores brackets and quotes inside strings', () => {
    expect(elementLines('[{"a":"}\\",["},\n"x"\n,\n[1,\n2]]')).toEqual([1, 2, 4]);
  });

  it('an object instead of an array says so and points at the array key', async () => {
    const p = t.write('obj.json', '{"data": [{"text": "a"}]}');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['holds an object, not an array of objects'], hint: '"data"' });
  });

  it('a number instead of an array', async () => {
    const p = t.write('num.json', '42');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['a number (42)'] });
  });

  it('element N that is not an object names its index and line', async () => {
    const p = t.write('elem.json', '[\n{"text": "a"},\n"oops"\n]');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: ['element 2', 'a string ("oops")', 'not an object'] });
  });

  it('syntax error names the line and column', async () => {
    const p = t.write('syntax.json', '[\n{"text": "a"},\n{"text": b}\n]');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 3, parts: ['column 10', 'not valid JSON'] });
  });

  it('an empty array', async () => {
    const p = t.write('emptyarr.json', '[]');
    await expectDataError(() => collect(p), 'INVALID_DATA', { file: p, line: 1, parts: ['empty'] });
  });

  it('a file over the JSON size limit is refused with a hint to use JSONL', async () => {
    const p = t.write('big.json', '[' + '{"text":"aaaaaaaaaa"},'.repeat(100) + '{"text":"b"}]');
    await expectDataError(() => collect(p, { maxJsonBytes: 1000 }), 'INVALID_DATA', { file: p, parts: ['read whole'], hint: 'JSON Lines' });
  });
});
