import type { WebSocket } from 'ws';
import type { ApiEvents, ApiResult, EventName } from '../shared/api.js';

/** The API over WebSocket: request / response / pushed event messages. */
export type ClientMessage = { id: string | number; method: string; req: unknown };
export type ServerMessage = { id: string | number | null; result: unknown } | { event: EventName; payload: ApiEvents[EventName] };

export interface SocketLimits {
  /** Calls one connection may have unanswered at once; more are refused with TOO_MANY_REQUESTS. */
  maxInFlight: number;
  /** How often a ping goes out; a client that has not answered the previous one is dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_SOCKET_LIMITS: SocketLimits = { maxInFlight: 16, pingIntervalMs: 30_000 };

export type Dispatch = (method: string, req: unknown) => Promise<ApiResult<unknown>>;

/**
 * One client connection: parses each message, runs it through `dispatch`, answers with its id.
 * A client cannot pile up work (at most `maxInFlight` unanswered calls) and a dead client (no
 * pong within a ping interval) is terminated, so its connection and subscriptions go away.
 */
export function serveApiSocket(ws: WebSocket, dispatch: Dispatch, limits: SocketLimits, onClose: () => void): void {
  let inFlight = 0;
  let alive = true;
  ws.on('pong', () => (alive = true));
  const ping = setInterval(() => {
    if (!alive) {
      ws.terminate();
      return;
    }
    alive = false;
    ws.ping();
  }, limits.pingIntervalMs);
  ping.unref();
  const closed = () => {
    clearInterval(ping);
    onClose();
  };
  ws.on('close', closed);
  ws.on('error', closed);

  const reply = (id: string | number | null, result: unknown) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result } satisfies ServerMessage));
  };

  ws.on('message', (data, isBinary) => {
    let msg: Partial<ClientMessage> | undefined;
    try {
      msg = isBinary ? undefined : (JSON.parse(data.toString()) as Partial<ClientMessage>);
    } catch {
      msg = undefined;
    }
    const id = msg && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : null;
    if (!msg || typeof msg !== 'object' || id === null || typeof msg.method !== 'string') {
      reply(id, { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'a message must be JSON {"id", "method", "req"}', location: { field: id === null ? 'id' : 'method' } } });
      return;
    }
    if (inFlight >= limits.maxInFlight) {
      reply(id, { ok: false, error: { code: 'TOO_MANY_REQUESTS', message: `more than ${limits.maxInFlight} calls are waiting for an answer on this connection`, hint: 'wait for earlier calls to finish' } });
      return;
    }
    inFlight++;
    void dispatch(msg.method, msg.req ?? {}).then((result) => {
      inFlight--;
      reply(id, result);
    });
  });
}
