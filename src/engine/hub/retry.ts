import { SpsError } from '../../shared/errors.js';

/** How often and how patiently transient Hub failures (429, 5xx, dropped connections) are retried. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before the 2nd try; doubled each time (plus up to 25% jitter), capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 1000, maxDelayMs: 30_000 };

/** A failure worth another try; `retryAfterMs` is the server's Retry-After when it sent one. */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Retry-After in seconds or as an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function cancelledError(what: string): SpsError {
  return new SpsError('CANCELLED', `${what} was cancelled`, { hint: 'pull again to continue: finished files are kept and a partial file resumes where it stopped' });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((done, fail) => {
    if (signal?.aborted) return fail(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      done();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      fail(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, fails with something other than a TransientError, or runs out
 * of attempts (then the last transient failure is reported as a HUB_ERROR saying so).
 */
export async function withRetry<T>(what: string, policy: RetryPolicy, fn: (attempt: number) => Promise<T>, opts: { signal?: AbortSignal; onRetry?: (attempt: number, delayMs: number, err: Error) => void } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError(what);
      if (!(err instanceof TransientError)) throw err;
      if (attempt >= policy.attempts) {
        throw new SpsError('HUB_ERROR', `${what} failed after ${attempt} tries: ${err.message}`, { hint: 'check the network connection (or HF_ENDPOINT) and pull again; finished files are kept and a partial file resumes', cause: err });
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (1 + Math.random() * 0.25);
      const delay = Math.min(policy.maxDelayMs, Math.max(backoff, err.retryAfterMs ?? 0));
      opts.onRetry?.(attempt, delay, err);
      try {
        await sleep(delay, opts.signal);
      } catch {
        throw cancelledError(what);
      }
    }
  }
}
