import type { ApiHandlers, ApiResult, Method } from '../shared/api.js';
import { ApiError } from '../shared/api.js';
import { isMethod, validateRequest } from '../shared/api_validate.js';
import { isSpsError, serializeError } from '../shared/errors.js';
import type { SerializedError } from '../shared/training_events.js';

export { serializeError };

/** Where the gate reports unexpected errors (their stack stays on the serving side). */
export interface GateLog {
  error(message: string, err?: unknown): void;
}

export const consoleGateLog: GateLog = { error: (m, e) => console.error(`[sps] ${m}`, e ?? '') };

/** The field a validator problem names: `"path" is required` → path; `job.training.steps …` → job.training.steps. */
export function problemField(problem: string): string | undefined {
  const quoted = /^(?:unexpected field )?"([^"]+)"/.exec(problem);
  if (quoted) return quoted[1];
  const job = /^(job\.[\w.]*\w)/.exec(problem);
  return job?.[1];
}

/** The error for a request that failed its validator: every problem, the first field named. */
export function invalidRequestError(method: string, problems: readonly string[]): SerializedError {
  const field = problemField(problems[0] ?? '');
  return {
    code: 'INVALID_ARGUMENT',
    message: `${method}: ${problems.join('; ')}`,
    ...(field ? { location: { field } } : {}),
    hint: 'the request does not match the API contract (src/shared/api.ts)',
  };
}

export function unknownMethodError(name: string): SerializedError {
  return { code: 'UNKNOWN_METHOD', message: `unknown method ${JSON.stringify(name)}`, hint: 'the client and the app disagree on the API (src/shared/api.ts); reload the page or reinstall the app' };
}

/**
 * What a caller sees of a thrown error: an SpsError (or ApiError) as its fields; anything else
 * is a bug, reported as INTERNAL without its message or stack (logged here instead).
 */
export function gateError(err: unknown, context: string, log: GateLog): SerializedError {
  if (err instanceof ApiError) return err.error;
  if (isSpsError(err)) return serializeError(err);
  log.error(`unexpected error in ${context}`, err);
  return { code: 'INTERNAL', message: `an unexpected error happened in ${context}`, hint: 'the details are in the app log; please report it' };
}

/**
 * The one gate of the API, for every transport (Electron IPC, the web server's WebSocket): a
 * known method, a payload that passes its validator, then the handler; the answer is always an
 * ApiResult, never a thrown error. The IPC side only adds its sender check in front.
 */
export async function dispatch(
  handlers: ApiHandlers,
  method: unknown,
  req: unknown,
  log: GateLog = consoleGateLog,
  /** A transport's own rule for a valid request (the desktop's path grants); an error refuses it. */
  admit?: (method: Method, req: unknown) => SerializedError | undefined,
): Promise<ApiResult<unknown>> {
  const name = typeof method === 'string' ? method.slice(0, 100) : '(not a string)';
  if (typeof method !== 'string' || !isMethod(method)) return { ok: false, error: unknownMethodError(name) };
  const problems = validateRequest(method, req);
  if (problems.length > 0) return { ok: false, error: invalidRequestError(method, problems) };
  const refusal = admit?.(method, req);
  if (refusal) return { ok: false, error: refusal };
  const handler = handlers[method] as ((r: unknown) => Promise<unknown>) | undefined;
  if (typeof handler !== 'function') return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `method ${method} is not implemented` } };
  try {
    return { ok: true, value: await handler(req) };
  } catch (err) {
    return { ok: false, error: gateError(err, method, log) };
  }
}
