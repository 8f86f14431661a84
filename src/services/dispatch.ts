import type { ApiHandlers, ApiResult, Method } from '../shared/api.js';
import { validateRequest } from '../shared/api_validate.js';
import { serializeError } from '../shared/errors.js';
import type { SerializedError } from '../shared/training_events.js';

export { serializeError };

/** The field a validator problem names: `"path" is required` → path; `job.training.steps …` → job.training.steps. */
function problemField(problem: string): string | undefined {
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

/**
 * One call through the gate every transport shares: validate the payload (validateRequest),
 * run the handler, and turn any error into an ApiResult — never a thrown error.
 */
export async function dispatch(handlers: ApiHandlers, method: string, req: unknown): Promise<ApiResult<unknown>> {
  const problems = validateRequest(method, req);
  if (problems.length > 0) return { ok: false, error: invalidRequestError(method, problems) };
  const handler = handlers[method as Method] as (r: unknown) => Promise<unknown>;
  try {
    return { ok: true, value: await handler(req) };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
