import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { ApiResult } from '../../../src/shared/api.js';
import { serveApiSocket } from '../../../src/server/api_socket.js';
import { allowedHosts } from '../../../src/server/request_guard.js';

/** The part of a ws WebSocket that serveApiSocket uses, recording what it sends. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  sent: unknown[] = [];
  pings = 0;
  terminated = false;
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  ping() {
    this.pings++;
  }
  terminate() {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
  message(obj: unknown) {
    this.emit('message', Buffer.from(JSON.stringify(obj)), false);
  }
}

describe('one API connection: limits', () => {
  it('refuses calls beyond the in-flight limit, and takes new ones once earlier ones are answered', async () => {
    const ws = new FakeSocket();
    const waiting: Array<(r: ApiResult<unknown>) => void> = [];
    serveApiSocket(ws as unknown as WebSocket, () => new Promise((r) => waiting.push(r)), { maxInFlight: 2, pingIntervalMs: 60_000 }, () => {});
    for (let id = 1; id <= 4; id++) ws.message({ id, method: 'system.info', req: {} });
    expect(waiting.length).toBe(2);
    expect(ws.sent).toEqual([
      { id: 3, result: { ok: false, error: expect.objectContaining({ code: 'TOO_MANY_REQUESTS' }) } },
      { id: 4, result: { ok: false, error: expect.objectContaining({ code: 'TOO_MANY_REQUESTS' }) } },
    ]);
    waiting[0]!({ ok: true, value: 'one' });
    await new Promise((r) => setImmediate(r));
    ws.message({ id: 5, method: 'system.info', req: {} });
    expect(waiting.length).toBe(3);
    expect(ws.sent).toContainEqual({ id: 1, result: { ok: true, value: 'one' } });
    ws.emit('close');
  });

  it('drops a client that does not answer pings; a client that does stays', async () => {
    const dead = new FakeSocket();
    const live = new FakeSocket();
    live.ping = () => {
      live.pings++;
      queueMicrotask(() => live.emit('pong'));
    };
    let closed = 0;
    for (const ws of [dead, live]) serveApiSocket(ws as unknown as WebSocket, async () => ({ ok: true, value: null }), { maxInFlight: 4, pingIntervalMs: 15 }, () => closed++);
    await new Promise((r) => setTimeout(r, 120));
    expect(dead.terminated).toBe(true);
    expect(dead.pings).toBe(1);
    expect(live.terminated).toBe(false);
    expect(live.pings).toBeGreaterThan(2);
    expect(closed).toBe(1);
    live.emit('close');
  });
});

describe('Host allowlist', () => {
  it('a loopback bind answers to the loopback names on its port only', () => {
    const hosts = allowedHosts('127.0.0.1', 8080);
    expect([...hosts].sort()).toEqual(['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']);
  });

  it('a named bind adds its name; extra names (a reverse proxy) can be added', () => {
    const hosts = allowedHosts('10.0.0.5', 443, ['studio.lan']);
    expect(hosts.has('10.0.0.5:443') && hosts.has('studio.lan:443')).toBe(true);
    expect(hosts.has('localhost:443') || hosts.has('evil.example:443')).toBe(false);
  });
});
