import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { SpsError } from '../shared/errors.js';
import { createServices, dispatch, type Services } from '../services/index.js';
import { forkLauncher, type WorkerLauncher } from '../worker/launcher.js';
import { DEFAULT_SOCKET_LIMITS, serveApiSocket, type ServerMessage, type SocketLimits } from './api_socket.js';
import { allowedHosts, checkHostAndOrigin, hasQueryToken, isLoopback, presentedToken, sameToken, TOKEN_PROTOCOL_PREFIX } from './request_guard.js';
import { contentSecurityPolicy, securityHeaders, serveStatic } from './static_files.js';

export { isLoopback, TOKEN_PROTOCOL_PREFIX };
export type { ClientMessage, ServerMessage } from './api_socket.js';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback). Another address needs `tls` or `insecure` (plain HTTP on a network). */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default: 32 random bytes, hex. */
  token?: string;
  dataDir: string;
  runsDir?: string;
  /** Folders the API may read besides the data dir, the runs dir and the model library (`--allow-dir`). */
  allowDirs?: string[];
  /** HTTPS and WSS with this PEM certificate and key (`--tls-cert`, `--tls-key`). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Serve plain HTTP on a non-loopback address anyway (`--insecure`): the token crosses the network in clear. */
  insecure?: boolean;
  /** Extra Host names this server answers to (a reverse proxy's name), besides the bound host and loopback. */
  hostNames?: string[];
  /** The built renderer (default dist/renderer). */
  rendererDir?: string;
  /** Default: Node child processes. */
  launcher?: WorkerLauncher;
  /** Warnings (non-loopback bind, renderer not built). Default: stderr. */
  warn?: (message: string) => void;
  /** Passed to the services (tests). */
  workerEnv?: NodeJS.ProcessEnv;
  shutdownTimeoutMs?: number;
  /** Per-connection limits (tests lower them). */
  socketLimits?: Partial<SocketLimits>;
}

export interface RunningServer {
  /** http(s)://host:port/#token=T — the page to open (the token in the fragment never reaches a server log). */
  url: string;
  token: string;
  host: string;
  port: number;
  services: Services;
  /** Shuts the services down (running jobs checkpoint), closes every connection and the server. */
  close(): Promise<void>;
}

export const API_PATH = '/api';
// Room for a datasets.upload of MAX_UPLOAD_BYTES as base64 (4/3) plus its envelope.
const MAX_MESSAGE_BYTES = 48 * 1024 * 1024;

/** dist/renderer next to this file's project (sources under tsx, or the built dist/src/server). */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const built = /[\\/]dist[\\/]src[\\/]server$/.test(here);
  return built ? join(here, '..', '..', 'renderer') : join(here, '..', '..', 'dist', 'renderer');
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

const QUERY_TOKEN_REFUSED = { code: 'TOKEN_IN_QUERY', message: 'the access token must not be sent in the URL query (?token=)', hint: 'open the URL `sps serve` printed (the token is in its #fragment); API clients send `Authorization: Bearer <token>` or the WebSocket subprotocol sps-token.<token>' };

/**
 * Web mode (`sps serve`): the built renderer as static files and the API over a WebSocket at
 * /api, guarded by a random token (Bearer header or WebSocket subprotocol, never the query
 * string) and by a Host/Origin allowlist (DNS rebinding). Workers are Node child processes.
 * Every path a request names must lie under an allowed root (services/path_policy.ts).
 */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(32).toString('hex');
  // The token travels as a WebSocket subprotocol, which allows only these characters.
  if (!/^[A-Za-z0-9._~-]{16,}$/.test(token)) throw new SpsError('INVALID_ARGUMENT', 'the access token must be at least 16 characters of A-Z a-z 0-9 . _ ~ -', { location: { field: 'token' } });
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const rendererDir = resolve(opts.rendererDir ?? defaultRendererDir());
  const scheme = opts.tls ? 'https' : 'http';
  if (!isLoopback(host)) {
    if (!opts.tls && !opts.insecure) {
      throw new SpsError('INVALID_ARGUMENT', `--host ${host} is not a loopback address: the access token and your data would cross the network in clear`, { location: { field: '--host' }, hint: 'pass --tls-cert CERT.pem --tls-key KEY.pem to serve HTTPS, or --insecure if the network is trusted' });
    }
    warn(`listening on ${host}, not on loopback${opts.tls ? '' : ' and without TLS (--insecure)'}: anyone who can reach this address and has the token can use the app and the folders it may read`);
  }
  if (!existsSync(join(rendererDir, 'index.html'))) warn(`no built renderer in ${rendererDir}: run \`npm run build:renderer\` (the API works without it)`);

  const clients = new Set<WebSocket>();
  const broadcast = (message: ServerMessage) => {
    const text = JSON.stringify(message);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  };
  const services = createServices({
    dataDir: opts.dataDir,
    ...(opts.runsDir ? { runsDir: opts.runsDir } : {}),
    ...(opts.allowDirs ? { allowDirs: opts.allowDirs } : {}),
    launcher: opts.launcher ?? forkLauncher,
    mode: 'web',
    emit: (event, payload) => broadcast({ event, payload } as ServerMessage),
    ...(opts.workerEnv ? { workerEnv: opts.workerEnv } : {}),
    ...(opts.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: opts.shutdownTimeoutMs } : {}),
  });
  const limits: SocketLimits = { ...DEFAULT_SOCKET_LIMITS, ...opts.socketLimits };

  let headers: Record<string, string> = {};
  let hosts = new Set<string>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const bad = checkHostAndOrigin(req, hosts, scheme);
    if (bad) {
      res.writeHead(bad.status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end(bad.reason);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === API_PATH || path.startsWith(API_PATH + '/')) {
      if (hasQueryToken(req)) return sendJson(res, 400, headers, { error: QUERY_TOKEN_REFUSED });
      const ok = sameToken(presentedToken(req), token);
      sendJson(res, ok ? 426 : 401, { ...headers, ...(ok ? { Upgrade: 'websocket' } : {}) }, {
        error: ok ? { code: 'UPGRADE_REQUIRED', message: 'the API is a WebSocket at /api' } : { code: 'UNAUTHORIZED', message: 'a valid access token is required', hint: 'open the URL that `sps serve` printed (it carries #token=…)' },
      });
      return;
    }
    serveStatic(rendererDir, req, res, headers);
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createHttpServer(onRequest);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    // Echo the token subprotocol when the client offered it (browsers require an echoed protocol).
    handleProtocols: (protocols) => [...protocols].find((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)) ?? false,
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const bad = checkHostAndOrigin(req, hosts, scheme);
    if (bad) return refuse(socket, bad.status, bad.reason);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== API_PATH) return refuse(socket, 404, 'Not Found');
    if (hasQueryToken(req)) return refuse(socket, 400, QUERY_TOKEN_REFUSED.message);
    if (!sameToken(presentedToken(req), token)) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      serveApiSocket(ws, (method, req) => dispatch(services.handlers, method, req), limits, () => clients.delete(ws));
    });
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(host, port, opts.hostNames);
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  headers = securityHeaders(contentSecurityPolicy(`${scheme === 'https' ? 'wss' : 'ws'}://${hostInUrl}:${port}`));

  let closing: Promise<void> | undefined;
  return {
    url: `${scheme}://${hostInUrl}:${port}/#token=${encodeURIComponent(token)}`,
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
