import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, type ApiEvents } from '../../../src/shared/api.js';
import { createWsClient, type WebSocketConstructor, type WsApiClient } from '../../../src/renderer/api/ws_client.js';
import { isLoopback, startServer, type RunningServer } from '../../../src/server/server.js';
import { runPaths } from '../../../src/engine/tuning/run_dir.js';
import { sentimentJob, waitFor } from '../../unit/services/service_helpers.js';
import { tryConnect } from '../../helpers/ws.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

let root: string;
let server: RunningServer;
let client: WsApiClient;
const warnings: string[] = [];

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: server.host, port: server.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const apiUrl = (query: string) => `ws://${server.host}:${server.port}/api${query}`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sps-server-'));
  const renderer = join(root, 'www', 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>sps</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(renderer, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(root, 'www', 'secret.txt'), 'SECRET');
  server = await startServer({ dataDir: join(root, 'data'), allowDirs: [dirname(storiesModelDir()), root], rendererDir: renderer, warn: (m) => warnings.push(m), shutdownTimeoutMs: 10_000 });
  client = createWsClient(server.url, server.token, WebSocket as unknown as WebSocketConstructor);
});

afterAll(async () => {
  client?.close();
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('sps serve: web server', () => {
  it('binds to loopback by default with a random token in the URL fragment', async () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
    expect(warnings).toEqual([]);
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0') || isLoopback('192.168.1.2')).toBe(false);
    // Another address warns.
    const w: string[] = [];
    const other = await startServer({ host: '0.0.0.0', insecure: true, dataDir: join(root, 'data2'), rendererDir: join(root, 'www', 'renderer'), warn: (m) => w.push(m) });
    await other.close();
    expect(w.some((m) => /not on loopback/.test(m))).toBe(true);
  });

  it('refuses the API without the token: HTTP 401 and WebSocket upgrade 401', async () => {
    expect((await get('/api')).status).toBe(401);
    expect((await get('/api', { Authorization: `Bearer ${server.token}x` })).status).toBe(401);
    expect((await get('/api', { Authorization: `Bearer ${server.token}` })).status).toBe(426);
    expect(await tryConnect(apiUrl(''))).toBe(401);
    expect(await tryConnect(apiUrl(''), ['sps-token.nope'])).toBe(401);
    expect(await tryConnect(apiUrl(''), [`sps-token.${server.token.slice(0, -1)}`])).toBe(401);
    expect(await tryConnect(apiUrl(''), [`sps-token.${server.token}`])).toBe('open');
    // A client with a wrong token: its calls reject with an ApiError.
    const bad = createWsClient(server.url, 'not-the-token', WebSocket as unknown as WebSocketConstructor);
    await expect(bad.call('system.info', {})).rejects.toBeInstanceOf(ApiError);
  });

  it('answers calls; an invalid payload gets a structured error naming the field', async () => {
    const info = await client.call('system.info', {});
    expect(info.mode).toBe('web');
    const err = await client.call('models.add', {} as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).error).toMatchObject({ code: 'INVALID_ARGUMENT', location: { field: 'path' } });
    const job = { ...sentimentJob(), training: { ...sentimentJob().training, batchSize: 0 } };
    const err2 = await client.call('jobs.create', { job }).catch((e: unknown) => e);
    expect((err2 as ApiError).error).toMatchObject({ code: 'INVALID_ARGUMENT', location: { field: 'job.training.batchSize' } });
    const err3 = await client.call('nope.nothing' as never, {} as never).catch((e: unknown) => e);
    expect((err3 as ApiError).error.message).toMatch(/unknown method/);
    // A handler's own error keeps its location.
    const err4 = await client.call('datasets.preview', { path: join(root, 'missing.csv') }).catch((e: unknown) => e);
    expect((err4 as ApiError).error).toMatchObject({ code: 'FILE_NOT_FOUND', location: { file: join(root, 'missing.csv') } });
  });

  it('serves the renderer with MIME types, a strict CSP and index.html for app routes; refuses .. traversal', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect((await get('/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const route = await get('/runs/123');
    expect(route.status).toBe(200);
    expect(route.body).toContain('<title>sps</title>');
    expect((await get('/assets/missing.js')).status).toBe(404);
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%5c..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fdata/settings.json']) {
      const r = await get(path);
      expect(r.status, path).toBe(403);
      expect(r.body).not.toContain('SECRET');
    }
    expect(readFileSync(join(root, 'www', 'secret.txt'), 'utf8')).toBe('SECRET');
  });

  it('a worker killed mid-run becomes a failed run with its log, and the server keeps answering', async () => {
    const events: ApiEvents['jobs.event'][] = [];
    const changes: ApiEvents['jobs.changed'][] = [];
    const off = client.subscribe('jobs.event', (p) => events.push(p));
    const off2 = client.subscribe('jobs.changed', (p) => changes.push(p));
    const run = await client.call('jobs.create', { job: sentimentJob({ steps: 500, evalEvery: 250, checkpointEvery: 5 }), name: 'to be killed' });
    await client.call('jobs.start', { id: run.id });
    await waitFor(() => events.some((e) => e.id === run.id && e.event.type === 'progress' && e.event.step >= 6), 'progress past a checkpoint');
    const state = JSON.parse(readFileSync(runPaths(run.dir).state, 'utf8')) as { pid: number; status: string };
    expect(state.status).toBe('running');
    expect(state.pid).toBe(server.services.workerPid(run.id));
    process.kill(state.pid, 'SIGKILL');

    await waitFor(() => events.some((e) => e.id === run.id && e.event.type === 'failed'), 'the failed event');
    await waitFor(() => changes.some((c) => c.run.id === run.id && c.run.status === 'failed'), 'jobs.changed failed');
    const detail = await client.call('jobs.get', { id: run.id });
    expect(detail.status).toBe('failed');
    expect(detail.error).toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/SIGKILL/) });
    expect(detail.log.length).toBeGreaterThan(0);
    // The server and the services still work, and the run can be deleted or resumed.
    expect((await client.call('system.info', {})).mode).toBe('web');
    expect((await client.call('jobs.list', {})).find((r) => r.id === run.id)?.status).toBe('failed');
    expect(await client.call('jobs.delete', { id: run.id })).toEqual({ deleted: true });
    off();
    off2();
  });
});
