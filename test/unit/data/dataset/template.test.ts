import { describe, expect, it } from 'vitest';
import { checkTemplateColumns, compileTemplate } from '../../../../src/engine/data/template.js';
import { expectDataError } from '../readers/_helpers.js';

describe('templates', () => {
  it('fills {column} placeholders and lists the columns once, in order', () => {
    const t = compileTemplate('Review: {text}\nTitle: { title }\nAgain: {text}\nSentiment:', 'input template');
    expect(t.columns).toEqual(['text', 'title']);
    expect(t.render({ text: 'good', title: 'T' })).toBe('Review: good\nTitle: T\nAgain: good\nSentiment:');
  });

  it('{{ and }} are literal braces', () => {
    const t = compileTemplate('{{"q": "{q}"}} {{x}}', 'input template');
    expect(t.columns).toEqual(['q']);
    expect(t.render({ q: 'hi' })).toBe('{"q": "hi"} {x}');
  });

  it('a template without placeholders renders itself', () => {
    expect(compileTemplate('Say:', 'input template').render({})).toBe('Say:');
  });

  it('unclosed "{" names the template and position', async () => {
    await expectDataError(() => compileTemplate('Review: {text', 'input template'), 'INVALID_ARGUMENT', { field: 'input template', parts: ['character 9'], hint: '{{' });
  });

  it('stray "}" and empty "{}" are errors', async () => {
    await expectDataError(() => compileTemplate('a } b', 'output template'), 'INVALID_ARGUMENT', { field: 'output template', parts: ['"}"'] });
    await expectDataError(() => compileTemplate('a {} b', 'output template'), 'INVALID_ARGUMENT', { field: 'output template', parts: ['empty placeholder'] });
  });

  it('a template naming a missing column lists the available ones and a near match', async () => {
    const t = compileTemplate('Review: {Text}', 'input template');
    const err = await expectDataError(() => checkTemplateColumns(t, ['text', 'label'], 'data/train.csv'), 'INVALID_DATA', { file: 'data/train.csv', field: 'Text', parts: ['input template', '"text", "label"'], hint: 'did you mean "text"' });
    expect(err.message).toContain('Review: {Text}');
  });

  it('rendering a row with a missing or empty field names the file, line and column', async () => {
    const t = compileTemplate('Q: {q}', 'input template');
    await expectDataError(() => t.render({}, { file: 'f.csv', line: 7 }), 'INVALID_DATA', { file: 'f.csv', line: 7, field: 'q', parts: ['no value'] });
    await expectDataError(() => t.render({ q: '  ' }, { file: 'f.csv', line: 8 }), 'INVALID_DATA', { file: 'f.csv', line: 8, field: 'q', parts: ['empty value'] });
  });

  it('a rendered result that is empty is an error', async () => {
    const t = compileTemplate('{a}{b}', 'output template');
    // both present but together only whitespace: still blank per column
    await expectDataError(() => t.render({ a: '', b: '' }, { file: 'f.jsonl', line: 3 }), 'INVALID_DATA', { file: 'f.jsonl', line: 3 });
  });
});
