import { ApiError } from '../../shared/api';
import type { SerializedError } from '../../shared/training_events';

/** Any thrown value as the engine's plain error shape (message, location, hint). */
export function toSerialized(err: unknown): SerializedError {
  if (err instanceof ApiError) return err.error;
  if (typeof err === 'object' && err !== null && 'error' in err) {
    const e = (err as { error: unknown }).error;
    if (typeof e === 'object' && e !== null && typeof (e as SerializedError).message === 'string') return e as SerializedError;
  }
  if (typeof err === 'object' && err !== null && typeof (err as SerializedError).code === 'string' && typeof (err as SerializedError).message === 'string') {
    return err as SerializedError;
  }
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}

/**
 * The message without what the box shows on its own lines: an engine error's message arrives
 * formatted as "file:line [field]: message — hint" (SpsError), which repeated the location
 * and the hint in every error box.
 */
export function bareMessage(e: SerializedError): string {
  let m = e.message;
  if (e.hint && m.endsWith(` — ${e.hint}`)) m = m.slice(0, m.length - ` — ${e.hint}`.length);
  const loc = e.location;
  if (loc) {
    let where = '';
    if (loc.file !== undefined) where += loc.file + (loc.line !== undefined ? `:${loc.line}` : '');
    if (loc.field !== undefined) where += (where ? ' ' : '') + `[${loc.field}]`;
    if (where && m.startsWith(`${where}: `)) m = m.slice(where.length + 2);
  }
  return m.trim() ? m : e.message;
}

/** A value fetched from the API: what the screen shows while it loads, fails or is empty. */
export interface Async<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  data?: T;
  error?: SerializedError;
}

export const idle = <T>(): Async<T> => ({ status: 'idle' });
