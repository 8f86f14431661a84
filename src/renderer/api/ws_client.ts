/**
 * The API client for web mode (`sps serve`): calls and events over one WebSocket to /api.
 * Browser code: it uses the global WebSocket (a constructor can be passed in for tests).
 * Protocol: → {id, method, req}; ← {id, result: ApiResult}; ← {event, payload}.
 */
import { ApiError, type ApiClient, type ApiEvents, type ApiResult, type EventName, type Method, type Req, type Res } from '../../shared/api.js';
import type { SerializedError } from '../../shared/training_events.js';

/** The part of the WebSocket interface this client uses (browsers' and the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** The token rides in a subprotocol: a URL (query) would leave it in server logs and histories. */
export const TOKEN_PROTOCOL_PREFIX = 'sps-token.';

const OPEN = 1;

/** ws(s)://host/api from the page URL or an http(s)/ws(s) base URL (no query, no fragment). */
export function apiSocketUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.pathname === '' || u.pathname === '/' || u.pathname.endsWith('/index.html')) u.pathname = '/api';
  u.search = '';
  u.hash = '';
  return u.toString();
}

const globalWebSocket = (globalThis as unknown as { WebSocket?: WebSocketConstructor }).WebSocket;

/** An ApiClient over one WebSocket; `close()` ends it (pending and later calls reject). */
export interface WsApiClient extends ApiClient {
  close(): void;
}

export function createWsClient(url: string, token: string, WebSocketImpl: WebSocketConstructor | undefined = globalWebSocket): WsApiClient {
  if (!WebSocketImpl) throw new Error('no WebSocket implementation available');
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const handlers = new Map<string, Set<(payload: unknown) => void>>();
  const outbox: string[] = [];
  let nextId = 1;
  let closedError: SerializedError | undefined;

  const ws = new WebSocketImpl(apiSocketUrl(url), [TOKEN_PROTOCOL_PREFIX + token]);

  const failAll = (error: SerializedError) => {
    closedError ??= error;
    outbox.length = 0;
    for (const p of pending.values()) p.reject(new ApiError(closedError));
    pending.clear();
  };

  ws.onopen = () => {
    for (const m of outbox) ws.send(m);
    outbox.length = 0;
  };
  ws.onmessage = (ev) => {
    let msg: { id?: unknown; result?: ApiResult<unknown>; event?: string; payload?: unknown };
    try {
      msg = JSON.parse(typeof ev.data === 'string' ? ev.data : String(ev.data)) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.event === 'string') {
      for (const h of handlers.get(msg.event) ?? []) {
        try {
          h(msg.payload);
        } catch (err) {
          console.error(`[sps] handler for ${msg.event} failed`, err);
        }
      }
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = pending.get(msg.id);
    if (!p || !msg.result) return;
    pending.delete(msg.id);
    if (msg.result.ok) p.resolve(msg.result.value);
    else p.reject(new ApiError(msg.result.error));
  };
  ws.onclose = (ev) => {
    const refused = ev.code === 1006 || ev.code === undefined;
    failAll({
      code: 'DISCONNECTED',
      message: `the connection to the app server closed${ev.reason ? ` (${ev.reason})` : ''}`,
      hint: refused ? 'is `sps serve` still running, and was the page opened from the URL it printed (with #token=…)? Open that URL again' : 'reload the page',
    });
  };
  ws.onerror = () => {
    // Followed by close, which rejects the pending calls.
  };

  return {
    call<M extends Method>(method: M, req: Req<M>): Promise<Res<M>> {
      if (closedError) return Promise.reject(new ApiError(closedError));
      const id = nextId++;
      const text = JSON.stringify({ id, method, req });
      return new Promise<Res<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        if (ws.readyState === OPEN) ws.send(text);
        else outbox.push(text);
      });
    },
    subscribe<E extends EventName>(event: E, handler: (payload: ApiEvents[E]) => void): () => void {
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      const h = handler as (payload: unknown) => void;
      set.add(h);
      return () => {
        set.delete(h);
      };
    },
    close(): void {
      failAll({ code: 'DISCONNECTED', message: 'the client was closed' });
      ws.close(1000, 'closed by the client');
    },
  };
}
