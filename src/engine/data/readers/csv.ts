import { SpsError } from '../../../shared/errors.js';
import { DEFAULT_MAX_LINE_CHARS, readTextChunks, tooLongLine, type ProgressFn } from './stream.js';
import type { DataRecord } from './types.js';

/**
 * CSV / TSV per RFC 4180, streaming: quoted fields may hold the separator, newlines and
 * doubled quotes (""); CRLF, LF and CR line endings; a UTF-8 BOM is stripped. The first
 * row is the header and is required. Blank lines are skipped. A quote inside an unquoted
 * field is kept literally (as Python's csv module does).
 */

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3;

export interface CsvRow {
  values: string[];
  /** 1-based line on which the row starts. */
  line: number;
  /**
   * The row's bytes in the file: from the end of the previous row to the end of this row's line
   * ending (blank lines before it included), so parsing them alone gives this row back.
   */
  span: { offset: number; bytes: number };
}

/** UTF-8 bytes of text[from, to) (a surrogate pair is 4 bytes: 4 for the high half, 0 for the low). */
function utf8Bytes(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
  }
  return n;
}

/** Incremental RFC 4180 tokenizer: push text chunks, get complete rows. */
export class CsvParser {
  private state = FIELD_START;
  private field = '';
  private fieldQuoted = false;
  private record: string[] = [];
  private recordChars = 0;
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private lastCR = false;
  /** Byte positions: where the current chunk starts, a cursor in it, where the next row's span starts. */
  private text = '';
  private cursorChar = 0;
  private cursorByte = 0;
  private spanStart: number;
  /** Header names (the first row), once seen, to name columns in errors. */
  header: string[] | undefined;

  constructor(
    private readonly path: string,
    private readonly sep: string,
    private readonly maxRecordChars = DEFAULT_MAX_LINE_CHARS,
    /** Byte offset of the first text pushed (after a byte-order mark). */
    startByte = 0,
  ) {
    this.spanStart = startByte;
    this.cursorByte = startByte;
  }

  /** Byte offset in the file of char `k` of the current chunk (k never goes back within a chunk). */
  private byteAt(k: number): number {
    this.cursorByte += utf8Bytes(this.text, this.cursorChar, k);
    this.cursorChar = k;
    return this.cursorByte;
  }

  push(text: string): CsvRow[] {
    this.text = text;
    this.cursorChar = 0;
    try {
      return this.parse(text);
    } finally {
      this.byteAt(text.length);
      this.text = '';
      this.cursorChar = 0;
    }
  }

  private parse(text: string): CsvRow[] {
    const out: CsvRow[] = [];
    const sep = this.sep;
    const n = text.length;
    let i = 0;
    while (i < n) {
      if (this.state === QUOTED) {
        const q = text.indexOf('"', i);
        const e = q < 0 ? n : q;
        if (e > i) {
          this.countLines(text, i, e);
          this.field += text.slice(i, e);
          this.grow(e - i);
        }
        if (q < 0) break;
        this.lastCR = false;
        this.state = QUOTE_IN_QUOTED;
        i = q + 1;
        continue;
      }
      const ch = text[i] as string;
      if (this.state === QUOTE_IN_QUOTED) {
        if (ch === '"') {
          this.field += '"';
          this.grow(1);
          this.state = QUOTED;
          i++;
          continue;
        }
        if (ch !== sep && ch !== '\n' && ch !== '\r') throw this.afterQuoteError(ch);
        this.state = UNQUOTED; // the field is complete; the separator / line end below closes it
      }
      if (ch === sep) {
        this.endField();
        this.lastCR = false;
        i++;
        continue;
      }
      if (ch === '\n') {
        if (this.lastCR) {
          // second half of CRLF: the record already ended at '\r'
          this.lastCR = false;
          i++;
          continue;
        }
        this.line++;
        this.endRecord(out, i + 1);
        i++;
        continue;
      }
      if (ch === '\r') {
        this.line++;
        this.endRecord(out, i + 1);
        this.lastCR = true;
        i++;
        continue;
      }
      this.lastCR = false;
      if (ch === '"' && this.state === FIELD_START) {
        this.state = QUOTED;
        this.fieldQuoted = true;
        this.quoteLine = this.line;
        i++;
        continue;
      }
      let j = i;
      while (j < n) {
        const c = text[j];
        if (c === sep || c === '\n' || c === '\r') break;
        j++;
      }
      this.field += text.slice(i, j);
      this.grow(j - i);
      this.state = UNQUOTED;
      i = j;
    }
    return out;
  }

  /** End of input: the last row (if it has no line break), or an unclosed-quote error. */
  end(): CsvRow[] {
    if (this.state === QUOTED) throw this.unclosedQuoteError();
    const out: CsvRow[] = [];
    if (this.record.length > 0 || this.field !== '' || this.fieldQuoted || this.state !== FIELD_START) this.endRecord(out, 0);
    return out;
  }

  private countLines(text: string, from: number, to: number): void {
    for (let k = from; k < to; k++) {
      const c = text.charCodeAt(k);
      if (c === 13) {
        this.line++;
        this.lastCR = true;
      } else {
        if (c === 10 && !this.lastCR) this.line++;
        this.lastCR = false;
      }
    }
  }

  private grow(chars: number): void {
    this.recordChars += chars;
    if (this.recordChars > this.maxRecordChars) {
      if (this.state === QUOTED) throw this.unclosedQuoteError();
      throw tooLongLine(this.path, this.recordLine, this.maxRecordChars, 'the row starting on line');
    }
  }

  private endField(): void {
    this.record.push(this.field);
    this.field = '';
    this.fieldQuoted = false;
    this.state = FIELD_START;
  }

  /** `endChar`: the char after the row's line ending in the current chunk (0 at the end of input). */
  private endRecord(out: CsvRow[], endChar: number): void {
    const blank = this.record.length === 0 && this.field === '' && !this.fieldQuoted;
    this.endField();
    if (!blank) {
      const end = this.byteAt(endChar);
      out.push({ values: this.record, line: this.recordLine, span: { offset: this.spanStart, bytes: end - this.spanStart } });
      this.spanStart = end;
      this.header ??= this.record.map((v) => v.trim());
    }
    this.record = [];
    this.recordChars = 0;
    this.recordLine = this.line;
  }

  private columnName(index: number): string {
    const name = this.header?.[index];
    return name !== undefined ? `column ${index + 1} ("${name}")` : `column ${index + 1}`;
  }

  private afterQuoteError(ch: string): SpsError {
    const col = this.record.length;
    const name = this.header?.[col];
    return new SpsError('INVALID_DATA', `line ${this.line}, ${this.columnName(col)}: unexpected character ${JSON.stringify(ch)} after the closing quote of a quoted field`, {
      location: { file: this.path, line: this.line, ...(name !== undefined ? { field: name } : {}) },
      hint: 'inside a quoted field write a quote as two quotes (""), e.g. "she said ""hi""", or remove the quotes around the field',
    });
  }

  private unclosedQuoteError(): SpsError {
    const col = this.record.length;
    const name = this.header?.[col];
    return new SpsError('INVALID_DATA', `the quoted field starting on line ${this.quoteLine} (${this.columnName(col)}) is never closed`, {
      location: { file: this.path, line: this.quoteLine, ...(name !== undefined ? { field: name } : {}) },
      hint: 'add the closing quote ("), and write quotes inside quoted fields as two quotes ("")',
    });
  }
}

/** Rows of a CSV/TSV file as records keyed by the header, streaming. */
export async function* readCsv(path: string, opts: { sep: ',' | '\t'; onProgress?: ProgressFn; maxLineChars?: number }): AsyncGenerator<DataRecord> {
  const sepName = opts.sep === '\t' ? 'tab' : 'comma';
  let parser: CsvParser | undefined;
  let bom = 0;
  let header: string[] | undefined;
  let rows = 0;
  const toRecord = (row: CsvRow): DataRecord | undefined => {
    if (header === undefined) {
      header = checkHeader(path, row, opts.sep);
      return undefined;
    }
    if (row.values.length !== header.length) {
      throw new SpsError('INVALID_DATA', `line ${row.line} has ${row.values.length} field${row.values.length === 1 ? '' : 's'}, but the header has ${header.length} (${header.join(', ')})`, {
        location: { file: path, line: row.line },
        hint:
          row.values.length > header.length
            ? `put fields that contain a ${sepName} in double quotes ("…"), or remove the extra ${sepName}s`
            : `add the missing field${header.length - row.values.length === 1 ? '' : 's'} (an empty value still needs its ${sepName}), or check for a line break inside an unquoted field`,
      });
    }
    const fields: Record<string, string> = {};
    header.forEach((name, k) => {
      fields[name] = row.values[k] as string;
    });
    rows++;
    return { fields, line: row.line, span: row.span };
  };
  for await (const chunk of readTextChunks(path, opts.onProgress, (b) => (bom = b))) {
    parser ??= new CsvParser(path, opts.sep, opts.maxLineChars, bom);
    for (const row of parser.push(chunk)) {
      const rec = toRecord(row);
      if (rec) yield rec;
    }
  }
  for (const row of parser?.end() ?? []) {
    const rec = toRecord(row);
    if (rec) yield rec;
  }
  if (header === undefined) {
    throw new SpsError('INVALID_DATA', 'the file is empty', {
      location: { file: path, line: 1 },
      hint: `add a header row with the column names (e.g. text${opts.sep}label) and one row per example`,
    });
  }
  if (rows === 0) {
    throw new SpsError('INVALID_DATA', `the file has a header row (${header.join(', ')}) but no data rows`, {
      location: { file: path, line: 2 },
      hint: 'add one row per example below the header',
    });
  }
}

/**
 * One data row parsed again on its own from its span's bytes (the token cache rebuilds
 * examples by number this way), keyed by the header found by the first pass.
 */
export function csvRowFromSpan(path: string, sep: ',' | '\t', header: readonly string[], text: string): DataRecord | undefined {
  const parser = new CsvParser(path, sep, Number.MAX_SAFE_INTEGER);
  const rows = [...parser.push(text), ...parser.end()];
  if (rows.length !== 1 || rows[0]!.values.length !== header.length) return undefined;
  const fields: Record<string, string> = {};
  header.forEach((name, k) => (fields[name] = rows[0]!.values[k]!));
  return { fields, line: 0 };
}

function checkHeader(path: string, row: CsvRow, sep: string): string[] {
  const names = row.values.map((v) => v.trim());
  const location = { file: path, line: row.line };
  if (names.length === 1) {
    const only = names[0] as string;
    const other = sep === ',' ? (only.includes('\t') ? 'tab' : only.includes(';') ? ';' : undefined) : only.includes(',') ? ',' : only.includes(';') ? ';' : undefined;
    if (other !== undefined) {
      throw new SpsError('INVALID_DATA', `the header has a single column "${only}": the file seems to be separated by ${other === 'tab' ? 'tabs' : `"${other}"`}, not ${sep === ',' ? 'commas' : 'tabs'}`, {
        location: { ...location, field: only },
        hint: other === 'tab' ? 'rename the file to .tsv' : other === ',' ? 'rename the file to .csv' : 'save it as comma-separated CSV (in a spreadsheet: "CSV UTF-8")',
      });
    }
  }
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    if (name === '') {
      throw new SpsError('INVALID_DATA', `column ${k + 1} of the header has no name`, {
        location: { ...location, field: `column ${k + 1}` },
        hint: 'give every column a name in the first row (or remove the empty column, e.g. a trailing separator)',
      });
    }
    const prev = seen.get(name);
    if (prev !== undefined) {
      throw new SpsError('INVALID_DATA', `the header names column "${name}" twice (columns ${prev + 1} and ${k + 1})`, {
        location: { ...location, field: name },
        hint: 'rename one of them so that every column name is unique',
      });
    }
    seen.set(name, k);
  });
  return names;
}
