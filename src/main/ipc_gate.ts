/**
 * The one gate every IPC call passes (DESIGN.md §4): a trusted sender (the app's own top frame,
 * served from app://), then the request schema (src/shared/api_validate.ts), then the handler.
 * The result is always an ApiResult: nothing is thrown across IPC, and unexpected errors reach
 * the renderer as INTERNAL without their stack (which is logged here, in main).
 */
import type { ApiHandlers, ApiResult, Method } from '../shared/api.js';
import { ApiError, METHODS } from '../shared/api.js';
import { validateRequest } from '../shared/api_validate.js';
import type { SerializedError } from '../shared/training_events.js';
import { isAppUrl } from './app_origin.js';
import type { PathGrants } from './path_grants.js';

/** The parts of Electron's WebFrameMain the gate looks at. */
export interface FrameLike {
  readonly url: string;
  readonly parent: unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the gate looks at. */
export interface IpcEventLike {
  readonly senderFrame: FrameLike | null;
}

export type SenderCheck = (frame: FrameLike | null) => boolean;

export interface GateLogger {
  error(message: string, err?: unknown): void;
  warn(message: string): void;
}

export const consoleLogger: GateLogger = {
  error: (m, e) => console.error(`[sps main] ${m}`, e ?? ''),
  warn: (m) => console.warn(`[sps main] ${m}`),
};

/**
 * The trusted-sender rule: a frame served from the app's origin, that is a top frame (no
 * parent), and is the main frame of one of our windows (`mainFrames()` returns them).
 */
export function appFrameCheck(mainFrames: () => readonly unknown[]): SenderCheck {
  return (frame) => {
    if (frame === null) return false;
    if (frame.parent !== null && frame.parent !== undefined) return false;
    if (!isAppUrl(frame.url)) return false;
    return mainFrames().includes(frame);
  };
}

export function fail(code: string, message: string, opts: { field?: string; hint?: string } = {}): { ok: false; error: SerializedError } {
  const error: SerializedError = { code, message };
  if (opts.field !== undefined) error.location = { field: opts.field };
  if (opts.hint !== undefined) error.hint = opts.hint;
  return { ok: false, error };
}

const FORBIDDEN: SerializedError = { code: 'FORBIDDEN', message: 'this window is not allowed to call the app' };

/** The field a validator message is about: `"path" is required`, `unexpected field "x"`, `job.lr must…`. */
export function fieldOf(problem: string): string | undefined {
  const quoted = /"([^"]+)"/.exec(problem);
  if (quoted) return quoted[1];
  const dotted = /^([A-Za-z_][\w.[\]]*)\s/.exec(problem);
  return dotted && dotted[1]!.includes('.') ? dotted[1] : undefined;
}

/** Turns whatever a handler threw into the plain error the renderer sees. */
export function toSerializedError(err: unknown, context: string, log: GateLogger): SerializedError {
  if (err instanceof ApiError) return err.error;
  if (isSpsErrorLike(err)) {
    const out: SerializedError = { code: err.code, message: err.message };
    if (err.location !== undefined) out.location = { ...err.location };
    if (err.hint !== undefined) out.hint = err.hint;
    return out;
  }
  log.error(`unexpected error in ${context}`, err);
  return { code: 'INTERNAL', message: `an unexpected error happened in ${context}`, hint: 'the details are in the app log; please report it' };
}

interface SpsErrorLike {
  code: string;
  message: string;
  location?: { file?: string; line?: number; field?: string };
  hint?: string;
}

/** SpsError, also when it comes from another copy of the module (same name and fields). */
function isSpsErrorLike(err: unknown): err is SpsErrorLike {
  if (!(err instanceof Error) || err.name !== 'SpsError') return false;
  const e = err as Error & { code?: unknown; location?: unknown; hint?: unknown };
  return typeof e.code === 'string' && (e.location === undefined || typeof e.location === 'object') && (e.hint === undefined || typeof e.hint === 'string');
}

/**
 * Runs `body` behind the sender check and converts any failure to an ApiResult. The shared
 * core of the API gate and the dialog gate.
 */
export async function guarded<T>(event: IpcEventLike, isTrustedSender: SenderCheck, context: string, log: GateLogger, body: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
  let trusted = false;
  try {
    trusted = isTrustedSender(event?.senderFrame ?? null);
  } catch (err) {
    log.error('the sender check failed', err);
  }
  if (!trusted) {
    log.warn(`refused ${context} from an untrusted sender (${safeUrl(event?.senderFrame)})`);
    return { ok: false, error: { ...FORBIDDEN } };
  }
  try {
    return await body();
  } catch (err) {
    return { ok: false, error: toSerializedError(err, context, log) };
  }
}

function safeUrl(frame: FrameLike | null | undefined): string {
  try {
    return frame ? String(frame.url).slice(0, 200) : 'no frame';
  } catch {
    return 'unknown frame';
  }
}

export type IpcGate = (event: IpcEventLike, method: unknown, req: unknown) => Promise<ApiResult<unknown>>;

/** The handler for `ipcMain.handle('sps:call', gate)`. */
export function createIpcGate(opts: { handlers: ApiHandlers; isTrustedSender: SenderCheck; log?: GateLogger; paths?: PathGrants }): IpcGate {
  const log = opts.log ?? consoleLogger;
  const known = new Set<string>(METHODS);
  return (event, method, req) => {
    const name = typeof method === 'string' ? method.slice(0, 100) : '(not a string)';
    return guarded(event, opts.isTrustedSender, name, log, async () => {
      if (typeof method !== 'string' || !known.has(method)) return fail('UNKNOWN_METHOD', `unknown method ${JSON.stringify(name)}`, { hint: 'the renderer and the app disagree on the API; reinstall the app' });
      const problems = validateRequest(method, req);
      if (problems.length > 0) {
        const field = problems.map(fieldOf).find((f) => f !== undefined);
        return fail('INVALID_ARGUMENT', `invalid request for ${method}: ${problems.join('; ')}`, field === undefined ? {} : { field });
      }
      // Paths only from the app's dialogs and drops (path_grants.ts).
      const refusal = opts.paths?.refusal(method, req);
      if (refusal) {
        log.warn(`refused ${method}: ${refusal.message}`);
        return { ok: false, error: refusal };
      }
      const handler = opts.handlers[method as Method] as ((r: unknown) => Promise<unknown>) | undefined;
      if (typeof handler !== 'function') return fail('UNKNOWN_METHOD', `method ${method} is not implemented`);
      const value = await handler(req);
      return { ok: true, value };
    });
  };
}
