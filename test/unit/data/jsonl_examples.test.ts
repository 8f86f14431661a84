import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonlExamples } from '../../../src/engine/data/jsonl_examples.js';
import { expectSpsError } from '../../helpers/errors.js';
import { useTempDir } from '../../helpers/fixtures.js';

describe('readJsonlExamples', () => {
  const tmp = useTempDir('sps-jsonl-');
  const write = (text: string): string => {
    const file = join(tmp(), 'data.jsonl');
    writeFileSync(file, text);
    return file;
  };

  it('reads {"input","output"} and {"text"} lines; text means input ""', () => {
    const file = write('{"input": "Q: hi", "output": " A: hello"}\n{"text": "a story"}\n{"output": "no input"}\n');
    expect(readJsonlExamples(file)).toEqual([
      { input: 'Q: hi', output: ' A: hello', source: { file, line: 1 } },
      { input: '', output: 'a story', source: { file, line: 2 } },
      { input: '', output: 'no input', source: { file, line: 3 } },
    ]);
  });

  it('strips a UTF-8 BOM, accepts CRLF, skips blank lines but keeps line numbers', () => {
    const file = write('\uFEFF{"text": "one"}\r\n\r\n   \r\n{"input": "x", "output": "two"}\r\n\r\n');
    expect(readJsonlExamples(file)).toEqual([
      { input: '', output: 'one', source: { file, line: 1 } },
      { input: 'x', output: 'two', source: { file, line: 4 } },
    ]);
  });

  it('accepts a last line without a newline and keeps whitespace inside strings', () => {
    const file = write('{"input": "  a ", "output": "\\tb\\n"}');
    expect(readJsonlExamples(file)).toEqual([{ input: '  a ', output: '\tb\n', source: { file, line: 1 } }]);
  });

  it('a BOM is only stripped at the start of the file', () => {
    const file = write('{"text": "one"}\n\uFEFF{"text": "two"}\n');
    expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', `${file}:2`, 'line 2', 'not valid JSON');
  });

  it('names the file and line of malformed JSON', () => {
    const file = write('{"text": "ok"}\n\n{"text": "broken"\n');
    const err = expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', `${file}:3`, 'line 3', 'not valid JSON');
    expect(err.location).toEqual({ file, line: 3 });
  });

  it('rejects lines that are not objects', () => {
    for (const bad of ['[1, 2]', '"text"', 'null', '42']) {
      const file = write(`{"text": "ok"}\n${bad}\n`);
      expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', `${file}:2`, 'not a JSON object');
    }
  });

  it('rejects a line with neither output nor text', () => {
    const file = write('{"input": "only"}\n');
    expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', `${file}:1`, 'neither "output" nor "text"');
  });

  it('rejects non-string fields, naming the field', () => {
    const cases: Array<[string, string]> = [
      ['{"input": "x", "output": 3}', 'output'],
      ['{"input": null, "output": "y"}', 'input'],
      ['{"text": ["a"]}', 'text'],
    ];
    for (const [line, field] of cases) {
      const file = write(line + '\n');
      const err = expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', `${file}:1`, `[${field}]`, `"${field}"`);
      expect(err.location).toEqual({ file, line: 1, field });
    }
  });

  it('rejects an empty file or one with only blank lines', () => {
    for (const text of ['', '\n\n', ' \r\n\t\n', '\uFEFF']) {
      const file = write(text);
      expectSpsError(() => readJsonlExamples(file), 'INVALID_DATA', file, 'no examples');
    }
  });

  it('reports a missing file', () => {
    const file = join(tmp(), 'missing.jsonl');
    expectSpsError(() => readJsonlExamples(file), 'FILE_NOT_FOUND', file);
  });

  it('reports a folder given as the file', () => {
    expectSpsError(() => readJsonlExamples(tmp()), 'NOT_A_FILE', tmp());
  });
});
