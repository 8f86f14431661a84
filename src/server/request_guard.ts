import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

/** A WebSocket subprotocol "sps-token.<token>": how the browser's WebSocket carries the token. */
export const TOKEN_PROTOCOL_PREFIX = 'sps-token.';

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';
const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

/**
 * The Host header values this server answers to: the bound host, the loopback names when bound
 * to loopback (or to every interface), and this machine's addresses and name when bound to every
 * interface — each with the port. Anything else is a DNS-rebinding attempt (a foreign name that
 * resolves to us) or a misdirected request.
 */
export function allowedHosts(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>([bindHost.toLowerCase()]);
  if (isLoopback(bindHost) || isWildcard(bindHost)) for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  if (isWildcard(bindHost)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase());
  }
  for (const e of extra) names.add(e.toLowerCase());
  return new Set([...names].map((n) => `${bracket(n)}:${port}`));
}

export type GuardRefusal = { status: number; reason: string };

/**
 * Host and Origin against the allowlist (HTTP and WebSocket alike). A request without Origin is
 * not from a web page (or is a same-origin GET navigation); one with an Origin must come from a
 * page this server served, over the same scheme.
 */
export function checkHostAndOrigin(req: IncomingMessage, allowed: ReadonlySet<string>, scheme: 'http' | 'https'): GuardRefusal | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) return { status: 421, reason: `unknown Host "${host.slice(0, 100)}"` };
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return { status: 403, reason: 'malformed Origin' };
  }
  if (u.protocol !== `${scheme}:` || !allowed.has(u.host.toLowerCase())) return { status: 403, reason: `foreign Origin "${origin.slice(0, 100)}"` };
  return undefined;
}

/** ?token= (or any spelling of it) in a URL: refused, tokens must not land in logs and histories. */
export function hasQueryToken(req: IncomingMessage): boolean {
  const url = new URL(req.url ?? '/', 'http://localhost');
  return [...url.searchParams.keys()].some((k) => k.toLowerCase() === 'token');
}

/** The token from `Authorization: Bearer` or the WebSocket subprotocol — never the query string. */
export function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  const protocols = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  return protocols.find((s) => s.startsWith(TOKEN_PROTOCOL_PREFIX))?.slice(TOKEN_PROTOCOL_PREFIX.length);
}

export function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
