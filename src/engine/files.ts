import { readFileSync } from 'node:fs';
import { SpsError } from '../shared/errors.js';

/**
 * Turn a Node fs error into an SpsError that names the path, so every reader reports
 * missing / wrong-kind / unreadable files the same way. Unknown errors are wrapped too,
 * keeping the original as `cause`.
 */
export function fileError(err: unknown, path: string, what: string, hint?: string): SpsError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const location = { file: path };
  switch (code) {
    case 'ENOENT':
      return new SpsError('FILE_NOT_FOUND', `${what} not found`, { location, hint, cause: err });
    case 'EISDIR':
      return new SpsError('NOT_A_FILE', `${what} is a folder, expected a file`, { location, hint, cause: err });
    case 'ENOTDIR':
      return new SpsError('FILE_NOT_FOUND', `${what} not found (a parent of this path is not a folder)`, { location, hint, cause: err });
    case 'EACCES':
    case 'EPERM':
      return new SpsError('FILE_UNREADABLE', `${what} cannot be read (permission denied)`, {
        location,
        hint: hint ?? 'check the file permissions',
        cause: err,
      });
    default:
      return new SpsError('FILE_UNREADABLE', `${what} cannot be read: ${(err as Error | undefined)?.message ?? String(err)}`, {
        location,
        hint,
        cause: err,
      });
  }
}

/** Read a UTF-8 text file, mapping fs failures through `fileError`. */
export function readTextFile(path: string, what: string, hint?: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError(err, path, what, hint);
  }
}

/**
 * Read and parse a JSON file. Syntax errors become INVALID_JSON with the 1-based line of
 * the problem: Node 20's JSON.parse messages do not always carry a position, so we find
 * it ourselves with a small scanner.
 */
export function readJsonFile(path: string, what: string, hint?: string): unknown {
  // A UTF-8 byte-order mark is legal in files but not in JSON.parse input.
  const text = readTextFile(path, what, hint).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (err) {
    const pos = jsonErrorPosition(text);
    const line = text.slice(0, pos).split('\n').length;
    const detail = (err as Error).message;
    throw new SpsError('INVALID_JSON', `${what} is not valid JSON (${detail})`, {
      location: { file: path, line },
      hint: 'fix the JSON syntax at that line (a trailing comma or a missing quote is the usual cause)',
      cause: err,
    });
  }
}

/**
 * Offset of the first JSON syntax error in `text` (text.length if it ends too early).
 * Only used after JSON.parse has failed, to locate the error for the user.
 */
export function jsonErrorPosition(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      const ch = text[i];
      if (ch === undefined || ch < ' ') fail();
      i++;
      if (ch === '"') return;
      if (ch === '\\') {
        const esc = text[i];
        if (esc === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else fail();
      }
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        str();
        ws();
        literal(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (ch === '"') str();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else num();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
  } catch (pos) {
    // A non-number is a stack overflow on absurd nesting: report where we got to.
    return Math.min(typeof pos === 'number' ? pos : i, text.length);
  }
  return text.length;
}
