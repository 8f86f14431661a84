import { describe, expect, it } from 'vitest';
import { buildExamples, loadExamples, resolveVerbalizers, type TaskSpec } from '../../../../src/engine/data/dataset.js';
import type { DataRecord } from '../../../../src/engine/data/readers/types.js';
import { expectDataError, tempDir } from '../readers/_helpers.js';

const t = tempDir();
const rec = (line: number, fields: Record<string, string>, nested?: string[]): DataRecord => (nested ? { fields, line, nested } : { fields, line });
const cls: TaskSpec = { kind: 'classification', inputTemplate: 'Story: {text}\nFeeling:', labelColumn: 'label' };

describe('buildExamples: classification', () => {
  it('input from the template, output = " " + label by default, labels sorted', () => {
    const r = buildExamples([rec(2, { text: 'Lily smiled.', label: 'happy' }), rec(3, { text: 'Tom cried.', label: ' sad ' })], cls, 'f.csv');
    expect(r.labels).toEqual(['happy', 'sad']);
    expect(r.verbalizers).toEqual({ happy: ' happy', sad: ' sad' });
    expect(r.examples).toEqual([
      { input: 'Story: Lily smiled.\nFeeling:', output: ' happy', label: 'happy', source: { file: 'f.csv', line: 2 } },
      { input: 'Story: Tom cried.\nFeeling:', output: ' sad', label: 'sad', source: { file: 'f.csv', line: 3 } },
    ]);
    expect(r.problems).toEqual([]);
  });

  it('custom verbalizers and an explicit label order', () => {
    const r = buildExamples([rec(2, { text: 'a', label: 'pos' }), rec(3, { text: 'b', label: 'neg' })], { ...cls, labels: ['pos', 'neg'], verbalizers: { pos: ' yes', neg: ' no' } }, 'f.csv');
    expect(r.labels).toEqual(['pos', 'neg']);
    expect(r.examples.map((e) => e.output)).toEqual([' yes', ' no']);
  });

  it('a label outside the label set is a problem naming the line and the allowed labels; the row is left out', () => {
    const r = buildExamples([rec(2, { text: 'a', label: 'happy' }), rec(3, { text: 'b', label: 'Happy' }), rec(4, { text: 'c', label: 'sad' })], { ...cls, labels: ['happy', 'sad'] }, 'f.csv');
    expect(r.examples.map((e) => e.source.line)).toEqual([2, 4]);
    expect(r.problems).toHaveLength(1);
    const p = r.problems[0];
    expect(p?.kind).toBe('label_outside_set');
    expect(p?.severity).toBe('error');
    expect(p?.location).toEqual({ file: 'f.csv', line: 3, field: 'label' });
    expect(p?.message).toContain('line 3');
    expect(p?.message).toContain('"happy", "sad"');
    expect(p?.hint).toContain('case-sensitive');
  });

  it('an empty label is an empty_field problem', () => {
    const r = buildExamples([rec(2, { text: 'a', label: 'x' }), rec(3, { text: 'b', label: ' ' }), rec(4, { text: 'c', label: 'y' })], cls, 'f.csv');
    expect(r.problems.map((p) => [p.kind, p.location.line, p.location.field])).toEqual([['empty_field', 3, 'label']]);
    expect(r.problems[0]?.message).toContain('empty label');
    expect(r.problems[0]?.hint).toBeTruthy();
  });

  it('a missing or empty input field is a problem with file, line and column', () => {
    const r = buildExamples([rec(2, { text: 'a', label: 'x' }), rec(3, { label: 'y' }), rec(4, { text: '', label: 'x' }), rec(5, { text: 'd', label: 'y' })], cls, 'f.jsonl');
    expect(r.examples).toHaveLength(2);
    expect(r.problems.map((p) => [p.kind, p.location.line, p.location.field])).toEqual([
      ['empty_field', 3, 'text'],
      ['empty_field', 4, 'text'],
    ]);
    expect(r.problems[0]?.message).toContain('no value for column "text"');
  });

  it('a JSON object where text is expected says so', () => {
    const r = buildExamples([rec(1, { label: 'x' }, ['text']), rec(2, { text: 'b', label: 'y' }), rec(3, { text: 'c', label: 'x' })], cls, 'f.jsonl');
    expect(r.problems[0]?.message).toContain('JSON object or array');
  });

  it('a column the task needs that no row has is fatal, listing the columns', async () => {
    await expectDataError(() => buildExamples([rec(2, { review: 'a', label: 'x' }), rec(3, { review: 'b', label: 'y' })], cls, 'f.csv'), 'INVALID_DATA', { file: 'f.csv', field: 'text', parts: ['"review", "label"'] });
    await expectDataError(() => buildExamples([rec(2, { text: 'a', sentiment: 'x' })], cls, 'f.csv'), 'INVALID_DATA', { file: 'f.csv', field: 'label', parts: ['label column'] });
  });

  it('a single label in the whole file is fatal', async () => {
    await expectDataError(() => buildExamples([rec(2, { text: 'a', label: 'x' }), rec(3, { text: 'b', label: 'x' })], cls, 'f.csv'), 'INVALID_DATA', { file: 'f.csv', field: 'label', parts: ['same label'] });
  });

  it('verbalizer problems: unknown label, empty, shared', async () => {
    await expectDataError(() => resolveVerbalizers(['happy', 'sad'], { Happy: ' yes' }), 'INVALID_ARGUMENT', { field: 'verbalizers.Happy', parts: ['not a label'] });
    await expectDataError(() => resolveVerbalizers(['happy', 'sad'], { sad: ' ' }), 'INVALID_ARGUMENT', { field: 'verbalizers.sad', parts: ['empty'] });
    await expectDataError(() => resolveVerbalizers(['happy', 'sad'], { happy: ' ok', sad: ' ok' }), 'INVALID_ARGUMENT', { field: 'verbalizers.sad', parts: ['same verbalizer'] });
  });

  it('a bad explicit label set is an argument error', async () => {
    await expectDataError(() => buildExamples([], { ...cls, labels: ['a', 'a'] }, 'f.csv'), 'INVALID_ARGUMENT', { field: 'labels', parts: ['twice'] });
    await expectDataError(() => buildExamples([], { ...cls, labels: ['a'] }, 'f.csv'), 'INVALID_ARGUMENT', { field: 'labels', parts: ['at least 2'] });
  });

  it('suspicious characters (U+FFFD) are an encoding warning; the row is kept', () => {
    const r = buildExamples([rec(2, { text: 'caf\uFFFD', label: 'x' }), rec(3, { text: 'b', label: 'y' })], cls, 'f.csv');
    expect(r.examples).toHaveLength(2);
    expect(r.problems.map((p) => [p.kind, p.severity, p.location.line])).toEqual([['encoding', 'warning', 2]]);
  });
});

describe('buildExamples: generation and lm', () => {
  const gen: TaskSpec = { kind: 'generation', inputTemplate: '{input}', outputTemplate: '{output}' };

  it('generation: input and output from templates', () => {
    const r = buildExamples([rec(1, { input: 'Once upon a time.', output: ' The end.' })], gen, 'f.jsonl');
    expect(r.examples).toEqual([{ input: 'Once upon a time.', output: ' The end.', source: { file: 'f.jsonl', line: 1 } }]);
    expect(r.labels).toBeUndefined();
  });

  it('an empty output is an empty_output problem naming the line and column', () => {
    const r = buildExamples([rec(1, { input: 'a', output: '' }), rec(2, { input: 'b', output: 'x' })], gen, 'f.jsonl');
    expect(r.examples).toHaveLength(1);
    expect(r.problems.map((p) => [p.kind, p.location.line, p.location.field])).toEqual([['empty_output', 1, 'output']]);
    expect(r.problems[0]?.message).toContain('empty output');
  });

  it('the output template naming a missing column is fatal', async () => {
    await expectDataError(() => buildExamples([rec(1, { input: 'a', answer: 'b' })], gen, 'f.jsonl'), 'INVALID_DATA', { file: 'f.jsonl', field: 'output', parts: ['output template', '"input", "answer"'] });
  });

  it('lm: input is "", output is the text column (default "text")', () => {
    const r = buildExamples([rec(1, { text: 'The cat sat.' }), rec(2, { text: '  ' })], { kind: 'lm' }, 'f.txt');
    expect(r.examples).toEqual([{ input: '', output: 'The cat sat.', source: { file: 'f.txt', line: 1 } }]);
    expect(r.problems.map((p) => [p.kind, p.location.line])).toEqual([['empty_output', 2]]);
  });

  it('lm with a custom text column that is missing is fatal', async () => {
    await expectDataError(() => buildExamples([rec(1, { text: 'a' })], { kind: 'lm', textColumn: 'body' }, 'f.jsonl'), 'INVALID_DATA', { file: 'f.jsonl', field: 'body' });
  });
});

describe('loadExamples', () => {
  it('reads and builds in one pass', async () => {
    const p = t.write('s.csv', 'text,label\nLily smiled.,happy\nTom cried.,sad\n');
    const r = await loadExamples(p, cls);
    expect(r.format).toBe('csv');
    expect(r.rows).toBe(2);
    expect(r.columns).toEqual(['text', 'label']);
    expect(r.examples.map((e) => e.output)).toEqual([' happy', ' sad']);
  });

  it('a CSV missing a required column fails on the first row, before reading the rest', async () => {
    const p = t.write('nocol.csv', 'review,label\na,x\n"unclosed\n');
    await expectDataError(() => loadExamples(p, cls), 'INVALID_DATA', { file: p, field: 'text', parts: ['"review", "label"'] });
  });
});
