import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { sps } from '../cli/cli_helpers.js';

/**
 * Web mode on a network: Host/Origin allowlist (DNS rebinding), the token never in a query
 * string (fragment in the printed URL, subprotocol on the WebSocket), TLS or an explicit
 * --insecure for a non-loopback bind.
 */
let root: string;
let server: RunningServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sps-websec-'));
  server = await startServer({ dataDir: join(root, 'data'), rendererDir: join(root, 'no-renderer'), warn: () => {} });
});

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

function httpGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket upgrade with chosen headers: 'open' (with the protocol the server echoed) or the refusal status. */
function upgrade(url: string, opts: { protocols?: string[]; headers?: Record<string, string>; origin?: string; ca?: string } = {}): Promise<{ open: true; protocol: string; ws: WebSocket } | { open: false; status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers ?? {}, ...(opts.origin ? { origin: opts.origin } : {}), ...(opts.ca ? { ca: opts.ca } : {}) });
    ws.on('open', () => resolve({ open: true, protocol: ws.protocol, ws }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ open: false, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ open: false, status: -1 }));
  });
}

function call(ws: WebSocket, method: string, req: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 1e9);
    const onMessage = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: { ok: boolean } };
      if (msg.id !== id) return;
      ws.off('message', onMessage);
      resolve(msg.result as never);
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, req }));
  });
}

describe('Host and Origin allowlist (DNS rebinding)', () => {
  const proto = () => [`sps-token.${server.token}`];
  const api = () => `ws://127.0.0.1:${server.port}/api`;

  it('a rebinding-style request (foreign Host, matching Origin) is refused on HTTP and WebSocket', async () => {
    const evil = `evil.example:${server.port}`;
    const page = await httpGet('/', { Host: evil, Origin: `http://${evil}` });
    expect(page.status).toBe(421);
    const apiGet = await httpGet('/api', { Host: evil, Origin: `http://${evil}`, Authorization: `Bearer ${server.token}` });
    expect(apiGet.status).toBe(421);
    const ws = await upgrade(api(), { protocols: proto(), headers: { Host: evil }, origin: `http://${evil}` });
    expect(ws).toEqual({ open: false, status: 421 });
  });

  it('a foreign Origin with the right Host is refused; loopback names and no Origin are accepted', async () => {
    expect(await upgrade(api(), { protocols: proto(), origin: 'http://evil.example' })).toEqual({ open: false, status: 403 });
    expect(await upgrade(api(), { protocols: proto(), origin: `https://127.0.0.1:${server.port}` })).toEqual({ open: false, status: 403 });
    for (const origin of [undefined, `http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      const r = await upgrade(api(), { protocols: proto(), ...(origin ? { origin } : {}) });
      expect(r.open, String(origin)).toBe(true);
      if (r.open) r.ws.close();
    }
    const r = await upgrade(`ws://127.0.0.1:${server.port}/api`, { protocols: proto(), headers: { Host: `localhost:${server.port}` }, origin: `http://localhost:${server.port}` });
    expect(r.open).toBe(true);
    if (r.open) r.ws.close();
    expect((await httpGet('/', { Host: `localhost:${server.port}` })).status).not.toBe(421);
    // The right name on another port is another site.
    expect((await httpGet('/', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(421);
  });
});

describe('the token never travels in a query string', () => {
  it('the printed URL carries it in the fragment, never in the query', () => {
    const u = new URL(server.url);
    expect(u.search).toBe('');
    expect(u.hash).toBe(`#token=${server.token}`);
  });

  it('?token= is refused on HTTP and on the WebSocket, even with the right token', async () => {
    const r = await httpGet(`/api?token=${server.token}`, { Host: `127.0.0.1:${server.port}` });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.code).toBe('TOKEN_IN_QUERY');
    expect(await upgrade(`ws://127.0.0.1:${server.port}/api?token=${server.token}`)).toEqual({ open: false, status: 400 });
    // Also alongside a valid subprotocol: a URL with the token is never accepted.
    expect(await upgrade(`ws://127.0.0.1:${server.port}/api?TOKEN=${server.token}`, { protocols: [`sps-token.${server.token}`] })).toEqual({ open: false, status: 400 });
  });

  it('the sps-token.<token> subprotocol authenticates, is echoed, and calls work', async () => {
    const r = await upgrade(`ws://127.0.0.1:${server.port}/api`, { protocols: [`sps-token.${server.token}`] });
    if (!r.open) throw new Error(`refused: ${r.status}`);
    expect(r.protocol).toBe(`sps-token.${server.token}`);
    const info = await call(r.ws, 'system.info', {});
    expect(info.ok).toBe(true);
    r.ws.close();
  });
});

describe('a non-loopback host needs TLS or an explicit --insecure', () => {
  it('refuses to serve plain HTTP on a non-loopback address without --insecure', async () => {
    await expect(startServer({ host: '0.0.0.0', dataDir: join(root, 'd2'), rendererDir: join(root, 'no-renderer'), warn: () => {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--tls-cert.*--insecure/) });
  });

  it('serves HTTPS and WSS with a certificate (self-signed, made here with openssl)', async () => {
    const dir = join(root, 'tls');
    const key = join(root, 'key.pem');
    const cert = join(root, 'cert.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(`this test makes its certificate with openssl (apt-get install openssl): ${(err as Error).message}`);
    }
    const ca = readFileSync(cert, 'utf8');
    const warnings: string[] = [];
    const tls = await startServer({ host: '127.0.0.1', tls: { cert: ca, key: readFileSync(key, 'utf8') }, dataDir: join(dir, 'data'), rendererDir: join(root, 'no-renderer'), warn: (m) => warnings.push(m) });
    try {
      expect(tls.url).toBe(`https://127.0.0.1:${tls.port}/#token=${tls.token}`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: tls.port, path: '/api', ca, headers: { Authorization: `Bearer ${tls.token}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(426);
      const r = await upgrade(`wss://127.0.0.1:${tls.port}/api`, { protocols: [`sps-token.${tls.token}`], origin: `https://127.0.0.1:${tls.port}`, ca });
      if (!r.open) throw new Error(`WSS refused: ${r.status}`);
      expect((await call(r.ws, 'system.getSettings', {})).ok).toBe(true);
      r.ws.close();
      // Plain ws:// to the TLS port does not get through.
      expect((await upgrade(`ws://127.0.0.1:${tls.port}/api`, { protocols: [`sps-token.${tls.token}`] })).open).toBe(false);
    } finally {
      await tls.close();
    }
  });
});

describe('sps serve flags', () => {
  it('refuses a non-loopback --host without TLS or --insecure, half a TLS pair, and a missing --allow-dir, with one-line errors', async () => {
    const nohost = await sps('serve', '--host', '0.0.0.0', '--data-dir', join(root, 'd3'), '--json');
    expect(nohost.code).not.toBe(0);
    expect(nohost.stderr).toMatch(/--host 0\.0\.0\.0 is not a loopback address.*--tls-cert.*--insecure/);
    const half = await sps('serve', '--tls-cert', join(root, 'cert.pem'), '--data-dir', join(root, 'd3'), '--json');
    expect(half.code).not.toBe(0);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
    const missing = await sps('serve', '--allow-dir', join(root, 'no-such-folder'), '--data-dir', join(root, 'd3'), '--json');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no-such-folder');
  });
});
