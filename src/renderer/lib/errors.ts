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

/** A value fetched from the API: what the screen shows while it loads, fails or is empty. */
export interface Async<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  data?: T;
  error?: SerializedError;
}

export const idle = <T>(): Async<T> => ({ status: 'idle' });
