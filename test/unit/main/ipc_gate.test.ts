import { describe, expect, it, vi } from 'vitest';
import type { ApiHandlers } from '../../../src/shared/api.js';
import { ApiError } from '../../../src/shared/api.js';
import { SpsError } from '../../../src/shared/errors.js';
import { appFrameCheck, createIpcGate, type FrameLike, type GateLogger } from '../../../src/main/ipc_gate.js';
import { problemField as fieldOf } from '../../../src/services/dispatch.js';

const mainFrame: FrameLike = { url: 'app://sps/index.html', parent: null };
const event = (frame: FrameLike | null) => ({ senderFrame: frame });

function setup(impl: Partial<Record<string, (req: unknown) => Promise<unknown>>> = {}) {
  const calls: [string, unknown][] = [];
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_t, name: string) => async (req: unknown) => {
      calls.push([name, req]);
      const f = impl[name];
      return f ? f(req) : { handled: name };
    },
  });
  const log: GateLogger & { errors: unknown[]; warns: string[] } = {
    errors: [],
    warns: [],
    error(m, e) {
      this.errors.push([m, e]);
    },
    warn(m) {
      this.warns.push(m);
    },
  };
  const gate = createIpcGate({ handlers, isTrustedSender: appFrameCheck(() => [mainFrame]), log });
  return { gate, calls, log };
}

describe('the IPC gate', () => {
  it('calls the handler for a valid request from the main frame', async () => {
    const { gate, calls } = setup();
    const r = await gate(event(mainFrame), 'models.add', { path: '/m' });
    expect(r).toEqual({ ok: true, value: { handled: 'models.add' } });
    expect(calls).toEqual([['models.add', { path: '/m' }]]);
  });

  it('refuses untrusted senders without calling any handler', async () => {
    const { gate, calls, log } = setup();
    const untrusted: FrameLike[] = [
      { url: 'https://evil.example/index.html', parent: null }, // another origin
      { url: 'app://sps/index.html', parent: mainFrame }, // a subframe
      { url: 'app://sps/index.html', parent: null }, // same URL, but not our window's main frame
      { url: 'file:///etc/passwd', parent: null },
      { url: 'app://other/index.html', parent: null },
    ];
    for (const frame of untrusted) {
      const r = await gate(event(frame), 'system.info', {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('FORBIDDEN');
    }
    const none = await gate(event(null), 'system.info', {});
    expect(none.ok).toBe(false);
    expect(calls).toEqual([]);
    expect(log.warns.length).toBe(untrusted.length + 1);
  });

  it('refuses unknown methods, including prototype names', async () => {
    const { gate, calls } = setup();
    for (const m of ['system.format', 'constructor', '__proto__', 42, undefined]) {
      const r = await gate(event(mainFrame), m, {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('UNKNOWN_METHOD');
    }
    expect(calls).toEqual([]);
  });

  it('refuses an invalid payload with a structured error naming the field', async () => {
    const { gate, calls } = setup();
    const missing = await gate(event(mainFrame), 'models.add', {});
    expect(missing).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', location: { field: 'path' } } });
    const wrongType = await gate(event(mainFrame), 'jobs.nearestTokens', { id: 'r1', k: 'three' });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', location: { field: 'k' } } });
    if (!wrongType.ok) expect(wrongType.error.message).toContain('"k" must be a finite number');
    const extra = await gate(event(mainFrame), 'jobs.get', { id: 'r1', evil: true });
    expect(extra).toMatchObject({ ok: false, error: { location: { field: 'evil' } } });
    const notObject = await gate(event(mainFrame), 'jobs.get', 'r1');
    expect(notObject).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(calls).toEqual([]);
  });

  it('turns a handler SpsError into its code, message, location and hint', async () => {
    const { gate } = setup({
      'models.inspect': async () => {
        throw new SpsError('FILE_NOT_FOUND', 'no config.json', { location: { file: '/m/config.json' }, hint: 'pick a Hugging Face model folder' });
      },
    });
    const r = await gate(event(mainFrame), 'models.inspect', { path: '/m' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('FILE_NOT_FOUND');
    expect(r.error.location).toEqual({ file: '/m/config.json' });
    expect(r.error.hint).toBe('pick a Hugging Face model folder');
    expect(r.error.message).toContain('no config.json');
    expect(Object.keys(r.error).sort()).toEqual(['code', 'hint', 'location', 'message']);
  });

  it('passes an ApiError through as it is', async () => {
    const { gate } = setup({
      'jobs.get': async () => {
        throw new ApiError({ code: 'NOT_FOUND', message: 'no run r9', location: { field: 'id' } });
      },
    });
    expect(await gate(event(mainFrame), 'jobs.get', { id: 'r9' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no run r9', location: { field: 'id' } } });
  });

  it('reports an unexpected error as INTERNAL without its message or stack, and logs it in main', async () => {
    const boom = new TypeError('cannot read secret /home/user/.ssh/id_rsa');
    const { gate, log } = setup({
      'system.info': async () => {
        throw boom;
      },
    });
    const r = await gate(event(mainFrame), 'system.info', {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('INTERNAL');
    const text = JSON.stringify(r);
    expect(text).not.toContain('id_rsa');
    expect(text).not.toContain('at ');
    expect(text).not.toContain('TypeError');
    expect(log.errors).toEqual([[expect.stringContaining('system.info'), boom]]);
  });

  it('never rejects, even when the sender check itself throws', async () => {
    const handlers = {} as ApiHandlers;
    const log = { error: vi.fn(), warn: vi.fn() };
    const gate = createIpcGate({
      handlers,
      isTrustedSender: () => {
        throw new Error('destroyed');
      },
      log,
    });
    await expect(gate(event(mainFrame), 'system.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('finds the field a validator problem is about', () => {
    expect(fieldOf('"path" is required')).toBe('path');
    expect(fieldOf('unexpected field "x"')).toBe('x');
    expect(fieldOf('job.optimizer.lr must be positive')).toBe('job.optimizer.lr');
    expect(fieldOf('the request must be an object')).toBeUndefined();
  });
});
