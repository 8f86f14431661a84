import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvents, EventName } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { createServices, dispatch, type Services } from '../services/index.js';
import { forkLauncher, type WorkerLauncher } from '../worker/launcher.js';
import { contentSecurityPolicy, securityHeaders, serveStatic } from './static_files.js';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback). Another address exposes the app to the network: a warning is printed. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  dataDir: string;
  runsDir?: string;
  /** The built renderer (default dist/renderer). */
  rendererDir?: string;
  /** Default: Node child processes. */
  launcher?: WorkerLauncher;
  /** Warnings (non-loopback bind, renderer not built). Default: stderr. */
  warn?: (message: string) => void;
  /** Passed to the services (tests). */
  workerEnv?: NodeJS.ProcessEnv;
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** http://host:port/?token=T — the page to open. */
  url: string;
  token: string;
  host: string;
  port: number;
  services: Services;
  /** Shuts the services down (running jobs checkpoint), closes every connection and the server. */
  close(): Promise<void>;
}

/** The API over WebSocket: request / response / pushed event messages. */
export type ClientMessage = { id: string | number; method: string; req: unknown };
export type ServerMessage = { id: string | number | null; result: unknown } | { event: EventName; payload: ApiEvents[EventName] };

export const API_PATH = '/api';
/** Alternative to ?token=: a WebSocket subprotocol "sps-token.<token>". */
export const TOKEN_PROTOCOL_PREFIX = 'sps-token.';
const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

/** dist/renderer next to this file's project (sources under tsx, or the built dist/src/server). */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = /[\\/]dist[\\/]src[\\/]server$/.test(here);
  return built ? join(here, '..', '..', 'renderer') : join(here, '..', '..', 'dist', 'renderer');
}

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function tokenOf(req: IncomingMessage): string | undefined {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  const p = protocols.find((s) => s.startsWith(TOKEN_PROTOCOL_PREFIX));
  return p?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

/** A browser's cross-site WebSocket: an Origin whose host is not the one it connected to. */
function foreignOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/**
 * Web mode (`sps serve`): the built renderer as static files and the API over a WebSocket at
 * /api, guarded by a random token. Workers are Node child processes.
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('hex');
  if (token.length < 16 || !/^[\x21-\x7e]+$/.test(token)) throw new SpsError('INVALID_ARGUMENT', 'the access token must be at least 16 printable characters', { location: { field: 'token' } });
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const rendererDir = resolve(opts.rendererDir ?? defaultRendererDir());
  if (!isLoopback(host)) warn(`listening on ${host}, not on loopback: anyone who can reach this address and has the token can use the app, its files and your CPU; use --host 127.0.0.1 unless you mean it`);
  if (!existsSync(join(rendererDir, 'index.html'))) warn(`no built renderer in ${rendererDir}: run \`npm run build:renderer\` (the API works without it)`);

  const clients = new Set<WebSocket>();
  const broadcast = (message: ServerMessage) => {
    const text = JSON.stringify(message);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const services = createServices({
    dataDir: opts.dataDir,
    ...(opts.runsDir ? { runsDir: opts.runsDir } : {}),
    launcher: opts.launcher ?? forkLauncher,
    mode: 'web',
    emit: (event, payload) => broadcast({ event, payload } as ServerMessage),
    ...(opts.workerEnv ? { workerEnv: opts.workerEnv } : {}),
    ...(opts.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: opts.shutdownTimeoutMs } : {}),
  });

  let headers: Record<string, string> = {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === API_PATH || path.startsWith(API_PATH + '/')) {
      const status = sameToken(tokenOf(req), token) ? 426 : 401;
      res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...(status === 426 ? { Upgrade: 'websocket' } : {}) });
      res.end(JSON.stringify({ error: status === 401 ? { code: 'UNAUTHORIZED', message: 'a valid access token is required', hint: 'open the URL that `sps serve` printed (it carries ?token=…)' } : { code: 'UPGRADE_REQUIRED', message: 'the API is a WebSocket at /api' } }));
      return;
    }
    serveStatic(rendererDir, req, res, headers);
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Echo the token subprotocol when the client offered it (browsers require an echoed protocol).
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
  });

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== API_PATH) return refuse(socket, 404, 'Not Found');
    if (!sameToken(tokenOf(req), token)) return refuse(socket, 401, 'Unauthorized');
    if (foreignOrigin(req)) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data, isBinary) => {
        void handleMessage(ws, isBinary ? undefined : data.toString());
      });
    });
  });

  const handleMessage = async (ws: WebSocket, text: string | undefined): Promise<void> => {
    let msg: Partial<ClientMessage> | undefined;
    try {
      msg = text === undefined ? undefined : (JSON.parse(text) as Partial<ClientMessage>);
    } catch {
      msg = undefined;
    }
    const id = msg && (typeof msg.id === 'string' || typeof msg.id === 'number') ? msg.id : null;
    let result: unknown;
    if (!msg || typeof msg !== 'object' || id === null || typeof msg.method !== 'string') {
      result = { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'a message must be JSON {"id", "method", "req"}', location: { field: id === null ? 'id' : 'method' } } };
    } else {
      result = await dispatch(services.handlers, msg.method, msg.req ?? {});
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result } satisfies ServerMessage));
  };

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  headers = securityHeaders(contentSecurityPolicy(`ws://${hostInUrl}:${port}`));

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}/?token=${encodeURIComponent(token)}`,
    token,
    host,
    port,
    services,
    close: () =>
      (closing ??= (async () => {
        await services.shutdown();
        for (const ws of clients) ws.close(1001, 'server shutting down');
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })()),
  };
}
