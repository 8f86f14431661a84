/**
 * The IPC side of the API's one gate (DESIGN.md §4): a trusted sender (the app's own top frame,
 * served from app://) in front of services/dispatch.ts, the gate the web server uses too, so
 * both transports check and word everything the same way. The result is always an ApiResult:
 * nothing is thrown across IPC, and unexpected errors reach the renderer as INTERNAL without
 * their stack (which is logged here, in main).
 */
import type { ApiHandlers, ApiResult, Method } from '../shared/api.js';
import type { SerializedError } from '../shared/training_events.js';
import { dispatch, gateError } from '../services/dispatch.js';
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
    return { ok: false, error: gateError(err, context, log) };
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

/**
 * The handler for `ipcMain.handle('sps:call', gate)`: the sender check, then the shared gate,
 * which asks the path grants (paths only from the app's dialogs and drops, path_grants.ts)
 * once the request has passed its validator.
 */
export function createIpcGate(opts: { handlers: ApiHandlers; isTrustedSender: SenderCheck; log?: GateLogger; paths?: PathGrants }): IpcGate {
  const log = opts.log ?? consoleLogger;
  const admit = (method: Method, req: unknown): SerializedError | undefined => {
    const refusal = opts.paths?.refusal(method, req);
    if (refusal) log.warn(`refused ${method}: ${refusal.message}`);
    return refusal;
  };
  return (event, method, req) => {
    const name = typeof method === 'string' ? method.slice(0, 100) : '(not a string)';
    return guarded(event, opts.isTrustedSender, name, log, () => dispatch(opts.handlers, method, req, log, admit));
  };
}
