/**
 * The one error type that crosses every boundary (engine → worker → main → renderer, CLI).
 * It says what went wrong, where (file / line / field / setting), and what to do about it,
 * so that every layer can show it to a user without re-wording it.
 */
export interface ErrorLocation {
  /** A file or folder path the problem is in. */
  file?: string;
  /** 1-based line number inside `file`. */
  line?: number;
  /** A field, key, tensor or setting name (e.g. `config.json: hidden_size`, `--batch`). */
  field?: string;
}

export type SpsErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'NOT_A_DIRECTORY'
  | 'NOT_A_FILE'
  | 'INVALID_JSON'
  | 'INVALID_SAFETENSORS'
  | 'TENSOR_MISMATCH'
  | 'MISSING_TENSOR'
  | 'UNSUPPORTED_MODEL'
  | 'INVALID_CONFIG'
  | 'INVALID_TOKENIZER'
  | 'INVALID_DATA'
  | 'SEQUENCE_TOO_LONG'
  | 'SHAPE_ERROR'
  | 'PROVIDER_UNAVAILABLE'
  | 'INVALID_ARGUMENT'
  /** Hugging Face Hub downloads: the Hub refused or failed, a gated repo, a bad checksum, no room, cancelled. */
  | 'HUB_ERROR'
  | 'ACCESS_DENIED'
  | 'CHECKSUM_MISMATCH'
  | 'DISK_FULL'
  | 'CANCELLED'
  | 'WORKER_CRASHED'
  | 'PATH_NOT_ALLOWED'
  | 'RUN_LOCKED'
  | 'TOO_MANY_REQUESTS'
  /** The host or the GPU ran out of memory during a run (engine/runtime/run_errors.ts says what to lower). */
  | 'OUT_OF_MEMORY'
  /** The user stopped a long operation (what it finished is kept). */
  | 'CANCELLED'
  | 'INTERNAL';

export class SpsError extends Error {
  readonly code: SpsErrorCode;
  readonly location: ErrorLocation | undefined;
  readonly hint: string | undefined;

  constructor(code: SpsErrorCode, message: string, opts: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(formatMessage(message, opts.location, opts.hint), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SpsError';
    this.code = code;
    this.location = opts.location;
    this.hint = opts.hint;
  }

  /**
   * The error again from its plain-data form (toJSON) on the far side of a process boundary,
   * worded exactly as it was: the message already carries its location and hint.
   */
  static fromJSON(j: { code: string; message: string; location?: ErrorLocation; hint?: string }): SpsError {
    const e = new SpsError(j.code as SpsErrorCode, '', { ...(j.location ? { location: j.location } : {}), ...(j.hint ? { hint: j.hint } : {}) });
    e.message = j.message;
    return e;
  }

  /** Plain-data form for JSON output and process boundaries. */
  toJSON(): { code: SpsErrorCode; message: string; location?: ErrorLocation; hint?: string } {
    return { code: this.code, message: this.message, location: this.location, hint: this.hint };
  }
}

function formatMessage(message: string, loc: ErrorLocation | undefined, hint: string | undefined): string {
  let where = '';
  if (loc?.file !== undefined) where += loc.file + (loc.line !== undefined ? `:${loc.line}` : '');
  if (loc?.field !== undefined) where += (where ? ' ' : '') + `[${loc.field}]`;
  return (where ? `${where}: ` : '') + message + (hint ? ` — ${hint}` : '');
}

/**
 * An SpsError, also one from another copy of this module (a bundle, a worker): the same name
 * and fields.
 */
export function isSpsError(err: unknown): err is SpsError {
  if (err instanceof SpsError) return true;
  if (!(err instanceof Error) || err.name !== 'SpsError') return false;
  const e = err as Error & { code?: unknown; location?: unknown; hint?: unknown };
  return typeof e.code === 'string' && (e.location === undefined || typeof e.location === 'object') && (e.hint === undefined || typeof e.hint === 'string');
}

/**
 * Any thrown value as the plain error a transport or a process boundary carries (SpsError
 * fields; anything else is INTERNAL: a bug, not something the user did).
 */
export function serializeError(err: unknown): { code: string; message: string; location?: ErrorLocation; hint?: string } {
  if (isSpsError(err)) {
    return { code: err.code, message: err.message, ...(err.location ? { location: { ...err.location } } : {}), ...(err.hint ? { hint: err.hint } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: message || 'unexpected error', hint: 'this is a bug in Soft Prompt Studio; the log may say more' };
}
