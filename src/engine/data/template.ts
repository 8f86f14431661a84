import { SpsError, type ErrorLocation } from '../../shared/errors.js';
import { editDistance } from '../../shared/edit_distance.js';

/**
 * Prompt templates: literal text with `{column}` placeholders filled from a record's fields.
 * `{{` and `}}` stand for literal braces. Column names are trimmed (`{ text }` = `{text}`).
 */

type Part = { literal: string } | { column: string };

export interface CompiledTemplate {
  /** The template as written. */
  readonly source: string;
  /** What it is called in messages, e.g. "input template". */
  readonly name: string;
  /** Columns it uses, in order of first use, without repeats. */
  readonly columns: string[];
  /**
   * The filled-in text. Throws INVALID_DATA naming `where` (file, line) and the column when a
   * used field is missing or blank, or when the result is blank.
   */
  render(fields: Record<string, string>, where?: ErrorLocation): string;
  /** Like render, but never throws: the text with missing fields as "", and what was wrong. */
  tryRender(fields: Record<string, string>): { text: string; missing: string[]; blank: string[] };
}

const ESCAPE_HINT = 'write {column} for a column, and {{ or }} for a literal brace';

export function compileTemplate(template: string, name: string): CompiledTemplate {
  if (typeof template !== 'string') {
    throw new SpsError('INVALID_ARGUMENT', `the ${name} must be text, got ${template === undefined ? 'nothing' : typeof template}`, { location: { field: name }, hint: 'e.g. "Review: {text}\\nSentiment:"' });
  }
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === '{') {
      if (template[i + 1] === '{') {
        lit += '{';
        i += 2;
        continue;
      }
      const close = template.indexOf('}', i + 1);
      const open = template.indexOf('{', i + 1);
      if (close < 0 || (open >= 0 && open < close)) {
        throw new SpsError('INVALID_ARGUMENT', `the ${name} has a "{" at character ${i + 1} that is not closed`, { location: { field: name }, hint: ESCAPE_HINT });
      }
      const col = template.slice(i + 1, close).trim();
      if (col === '') throw new SpsError('INVALID_ARGUMENT', `the ${name} has an empty placeholder "{}" at character ${i + 1}`, { location: { field: name }, hint: ESCAPE_HINT });
      if (lit) parts.push({ literal: lit });
      lit = '';
      parts.push({ column: col });
      i = close + 1;
      continue;
    }
    if (c === '}') {
      if (template[i + 1] === '}') {
        lit += '}';
        i += 2;
        continue;
      }
      throw new SpsError('INVALID_ARGUMENT', `the ${name} has a "}" at character ${i + 1} with no "{" before it`, { location: { field: name }, hint: ESCAPE_HINT });
    }
    lit += c;
    i++;
  }
  if (lit) parts.push({ literal: lit });
  const columns: string[] = [];
  for (const p of parts) if ('column' in p && !columns.includes(p.column)) columns.push(p.column);

  const tryRender = (fields: Record<string, string>) => {
    let text = '';
    const missing: string[] = [];
    const blank: string[] = [];
    for (const p of parts) {
      if ('literal' in p) {
        text += p.literal;
        continue;
      }
      const v = Object.prototype.hasOwnProperty.call(fields, p.column) ? fields[p.column] : undefined;
      if (v === undefined) {
        if (!missing.includes(p.column)) missing.push(p.column);
      } else {
        if (v.trim() === '' && !blank.includes(p.column)) blank.push(p.column);
        text += v;
      }
    }
    return { text, missing, blank };
  };

  return {
    source: template,
    name,
    columns,
    tryRender,
    render(fields, where) {
      const r = tryRender(fields);
      const at = where?.line !== undefined ? `line ${where.line}` : 'the row';
      const bad = r.missing[0] ?? r.blank[0];
      if (bad !== undefined) {
        throw new SpsError('INVALID_DATA', `${at} has ${r.missing.length > 0 ? 'no value' : 'an empty value'} for column "${bad}", which the ${name} uses`, {
          location: { ...where, field: bad },
          hint: 'fill in the value, or remove the row',
        });
      }
      if (r.text.trim() === '') {
        throw new SpsError('INVALID_DATA', `the ${name} gives empty text for ${at}`, { location: { ...where }, hint: 'fill in the row, or add fixed text to the template' });
      }
      return r.text;
    },
  };
}

/**
 * Check that every column the template uses exists in the file; throws INVALID_DATA naming
 * the template, the missing column and the available ones.
 */
export function checkTemplateColumns(t: CompiledTemplate, columns: readonly string[], file: string): void {
  for (const col of t.columns) {
    if (columns.includes(col)) continue;
    throw missingColumnError(col, `the ${t.name} ("${t.source}")`, columns, file);
  }
}

/** "uses column X, which the file does not have" with the available columns and a near match. */
export function missingColumnError(col: string, user: string, columns: readonly string[], file: string): SpsError {
  const near = columns.find((c) => c.toLowerCase() === col.toLowerCase()) ?? columns.find((c) => editDistance(c.toLowerCase(), col.toLowerCase()) <= 2);
  const available = columns.length > 0 ? columns.map((c) => `"${c}"`).join(', ') : '(none)';
  return new SpsError('INVALID_DATA', `${user} uses column "${col}", which the file does not have; its columns are ${available}`, {
    location: { file, field: col },
    hint: near !== undefined ? `did you mean "${near}"? Use one of the file's columns, or rename the column in the file` : "use one of the file's columns, or rename the column in the file",
  });
}

