import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../../src/engine/data/dataset.js';
import { formatReport, validateDataset } from '../../../../src/engine/data/validate.js';
import { expectDataError, tempDir } from '../readers/_helpers.js';

const t = tempDir();
const cls: TaskSpec = { kind: 'classification', inputTemplate: 'Story: {text}\nFeeling:', labelColumn: 'label' };
/** A stand-in tokenizer: one id per word. */
const words = (s: string): number[] => s.split(/\s+/).filter(Boolean).map((_, i) => i);

describe('validateDataset', () => {
  it('reports rows, columns, labels, duplicates, problems by kind, lengths and truncation', async () => {
    const train = t.write(
      'train.csv',
      [
        'text,label',
        'Lily found her puppy.,happy', // 2
        'Tom lost his ball.,sad', // 3
        'Lily found her puppy.,happy', // 4 duplicate of 2
        ',happy', // 5 empty text
        'Sue had a very very very very very very long day at the park.,sad', // 6 long
        'Ben smiled.,happy', // 7
        'Sam \uFFFD cried.,sad', // 8 encoding warning
      ].join('\n') + '\n',
    );
    const val = t.write('val.csv', 'text,label\nTom lost his ball.,sad\nMia laughed.,happy\nMax was grumpy.,angry\n');
    const report = await validateDataset({ file: train, validationFile: val, task: cls, tokenize: words, maxLength: 12 });

    expect(report.task).toBe('classification');
    expect(report.train).toMatchObject({ file: train, format: 'csv', rows: 7, columns: ['text', 'label'], examples: 6, duplicateRows: 1 });
    expect(report.train.labelDistribution).toEqual([
      { label: 'happy', count: 3 },
      { label: 'sad', count: 3 },
    ]);
    expect(report.labels).toEqual(['happy', 'sad']);
    expect(report.validation).toMatchObject({ file: val, rows: 3, examples: 2, overlapWithTrain: 1 });
    const kinds = Object.fromEntries(report.problems.map((g) => [g.kind, g.count]));
    expect(kinds).toEqual({ empty_field: 1, label_outside_set: 1, encoding: 1, duplicate_row: 1, train_validation_overlap: 1, too_long: 1 });
    const outside = report.problems.find((g) => g.kind === 'label_outside_set')?.shown[0];
    expect(outside?.location).toEqual({ file: val, line: 4, field: 'label' });
    expect(outside?.message).toContain('"angry"');
    expect(report.problems.find((g) => g.kind === 'duplicate_row')?.shown[0]?.message).toBe('line 4 repeats line 2');
    expect(report.errors).toBe(2);
    expect(report.warnings).toBe(4);
    expect(report.ok).toBe(false);

    const L = report.train.lengths;
    expect(L?.count).toBe(6);
    expect(L?.max).toBe(17); // "Story:" + 14 words + "Feeling:" + 1 output word
    expect(L?.truncated).toBe(1);
    expect(L?.histogram.reduce((s, h) => s + h.count, 0)).toBe(6);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);

    const text = formatReport(report);
    for (const s of ['train.csv', 'happy', 'duplicate row [warning]: 1', 'label outside the label set [error]: 1', 'val.csv:4', 'would be truncated', 'also in the training data: 1', 'fix the errors']) {
      expect(text).toContain(s);
    }
  });

  it('lists at most maxProblemsPerKind problems per kind but counts all', async () => {
    const rows = ['text,label', 'a,x', 'b,y', ...Array.from({ length: 25 }, () => ',x')];
    const p = t.write('many.csv', rows.join('\n'));
    const report = await validateDataset({ file: p, task: cls, maxProblemsPerKind: 3 });
    const g = report.problems.find((x) => x.kind === 'empty_field');
    expect(g?.count).toBe(25);
    expect(g?.shown.map((s) => s.location.line)).toEqual([4, 5, 6]);
    expect(formatReport(report)).toContain('… and 22 more');
  });

  it('a clean dataset is OK with no problems', async () => {
    const p = t.write('clean.jsonl', '{"input":"a","output":" b"}\n{"input":"c","output":" d"}\n');
    const report = await validateDataset({ file: p, task: { kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' } });
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.train.lengths).toBeUndefined();
    expect(formatReport(report)).toContain('Result: OK');
  });

  it('fatal problems throw: missing column, bad encoding, CSV structure', async () => {
    const a = t.write('nocol.csv', 'body,label\na,x\n');
    await expectDataError(() => validateDataset({ file: a, task: cls }), 'INVALID_DATA', { file: a, field: 'text' });
    const b = t.write('latin.csv', Buffer.concat([Buffer.from('text,label\ncaf'), Buffer.from([0xe9]), Buffer.from(',x\n')]));
    await expectDataError(() => validateDataset({ file: b, task: cls }), 'INVALID_DATA', { file: b, line: 2, hint: 'iconv' });
    const c = t.write('ragged.csv', 'text,label\na,x,extra\n');
    await expectDataError(() => validateDataset({ file: c, task: cls }), 'INVALID_DATA', { file: c, line: 2 });
  });

  it('reports progress for each file', async () => {
    const a = t.write('p1.csv', 'text,label\na,x\nb,y\n');
    const seen: string[] = [];
    await validateDataset({ file: a, validationFile: a, task: cls, onProgress: (which) => seen.push(which) });
    expect(seen).toContain('train');
    expect(seen).toContain('validation');
  });
});
