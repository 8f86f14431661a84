import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { BRIDGE_KEYS, createPreloadApi, type IpcRendererLike } from '../../../src/preload/api.js';
import { createIpcClient } from '../../../src/renderer/api/ipc_client.js';
import { ApiError } from '../../../src/shared/api.js';

function fakeIpc(answer: (channel: string, ...args: unknown[]) => unknown = () => ({ ok: true, value: 'v' })) {
  const emitter = new EventEmitter();
  const invoke = vi.fn(async (channel: string, ...args: unknown[]) => answer(channel, ...args));
  const send = vi.fn((_channel: string, ..._args: unknown[]) => {});
  const ipc: IpcRendererLike & { emitter: EventEmitter } = {
    emitter,
    invoke,
    send,
    on: (ch, l) => emitter.on(ch, l),
    removeListener: (ch, l) => emitter.removeListener(ch, l),
  };
  return { ipc, invoke, emitter, send };
}
const webUtils = { getPathForFile: vi.fn(() => '/dropped/data.csv') };
const electronEvent = { sender: { id: 1 }, senderId: 0, ports: [] };

describe('the preload bridge', () => {
  it('exposes exactly the listed verbs, frozen', () => {
    const api = createPreloadApi(fakeIpc().ipc, webUtils);
    expect(Object.keys(api).sort()).toEqual([...BRIDGE_KEYS].sort());
    expect([...BRIDGE_KEYS].sort()).toEqual(['call', 'openDataset', 'openModelFolder', 'openRunsFolder', 'pathForFile', 'saveExportPath', 'subscribe']);
    expect(Object.isFrozen(api)).toBe(true);
    for (const k of BRIDGE_KEYS) expect(typeof api[k]).toBe('function');
  });

  it('calls known methods over sps:call and refuses unknown ones without IPC', async () => {
    const { ipc, invoke } = fakeIpc();
    const api = createPreloadApi(ipc, webUtils);
    expect(await api.call('models.add', { path: '/m' })).toEqual({ ok: true, value: 'v' });
    expect(invoke).toHaveBeenCalledWith('sps:call', 'models.add', { path: '/m' });
    for (const m of ['models.delete', 'constructor', '__proto__', 7]) {
      expect(await api.call(m as never, {} as never)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    }
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('subscribe: payload only to handlers, per event, and a disposer that removes the listener', () => {
    const { ipc, emitter } = fakeIpc();
    const api = createPreloadApi(ipc, webUtils);
    const changed = vi.fn();
    const token = vi.fn();
    const offChanged = api.subscribe('jobs.changed', changed);
    const offToken = api.subscribe('inference.token', token);
    expect(emitter.listenerCount('sps:event')).toBe(1);
    emitter.emit('sps:event', electronEvent, 'jobs.changed', { run: { id: 'r1' } });
    expect(changed).toHaveBeenCalledTimes(1);
    expect(changed.mock.calls[0]).toEqual([{ run: { id: 'r1' } }]); // never the Electron event
    expect(token).not.toHaveBeenCalled();
    offChanged();
    offChanged(); // idempotent
    emitter.emit('sps:event', electronEvent, 'jobs.changed', { run: { id: 'r2' } });
    expect(changed).toHaveBeenCalledTimes(1);
    expect(emitter.listenerCount('sps:event')).toBe(1);
    offToken();
    expect(emitter.listenerCount('sps:event')).toBe(0);
  });

  it('refuses unknown event names and non-function handlers', () => {
    const { ipc, emitter } = fakeIpc();
    const api = createPreloadApi(ipc, webUtils);
    expect(() => api.subscribe('system.secret' as never, vi.fn())).toThrow(/unknown event/);
    expect(() => api.subscribe('jobs.event', 'x' as never)).toThrow();
    expect(emitter.listenerCount('sps:event')).toBe(0);
  });

  it('a throwing handler does not stop the others', () => {
    const { ipc, emitter } = fakeIpc();
    const api = createPreloadApi(ipc, webUtils);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const good = vi.fn();
    api.subscribe('jobs.event', () => {
      throw new Error('bad');
    });
    api.subscribe('jobs.event', good);
    emitter.emit('sps:event', electronEvent, 'jobs.event', { id: 'r', event: { type: 'paused', step: 1 } });
    expect(good).toHaveBeenCalledWith({ id: 'r', event: { type: 'paused', step: 1 } });
    spy.mockRestore();
  });

  it('dialogs go over sps:dialog and resolve to a path or null; failures reject with the message', async () => {
    const { ipc, invoke } = fakeIpc((_ch, kind) => (kind === 'openDataset' ? { ok: true, value: null } : kind === 'saveExportPath' ? { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'bad name' } } : { ok: true, value: '/m' }));
    const api = createPreloadApi(ipc, webUtils);
    expect(await api.openModelFolder()).toBe('/m');
    expect(invoke).toHaveBeenLastCalledWith('sps:dialog', 'openModelFolder');
    expect(await api.openDataset()).toBeNull();
    await expect(api.saveExportPath('a/b')).rejects.toThrow(/INVALID_ARGUMENT: bad name/);
    expect(invoke).toHaveBeenLastCalledWith('sps:dialog', 'saveExportPath', { defaultName: 'a/b' });
  });

  it('pathForFile uses webUtils and reports a real drop’s path to main (the grant); a path-less File reports nothing', () => {
    const f = fakeIpc();
    const api = createPreloadApi(f.ipc, webUtils);
    expect(api.pathForFile({} as File)).toBe('/dropped/data.csv');
    expect(f.send).toHaveBeenCalledWith('sps:drop-grant', '/dropped/data.csv');
    const none = createPreloadApi(f.ipc, { getPathForFile: () => '' });
    f.send.mockClear();
    expect(none.pathForFile({} as File)).toBe('');
    expect(f.send).not.toHaveBeenCalled();
  });
});

describe('the renderer IPC client', () => {
  it('unwraps results and throws ApiError with the structured error', async () => {
    const { ipc } = fakeIpc((_ch, method) => (method === 'jobs.get' ? { ok: false, error: { code: 'NOT_FOUND', message: 'no run', location: { field: 'id' }, hint: 'refresh' } } : { ok: true, value: [] }));
    const client = createIpcClient(createPreloadApi(ipc, webUtils));
    expect(await client.call('jobs.list', {})).toEqual([]);
    const err = await client.call('jobs.get', { id: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).error).toEqual({ code: 'NOT_FOUND', message: 'no run', location: { field: 'id' }, hint: 'refresh' });
  });

  it('subscribes through the bridge, and needs a bridge', () => {
    const { ipc, emitter } = fakeIpc();
    const client = createIpcClient(createPreloadApi(ipc, webUtils));
    const h = vi.fn();
    const off = client.subscribe('jobs.changed', h);
    emitter.emit('sps:event', electronEvent, 'jobs.changed', { run: {} });
    off();
    expect(h).toHaveBeenCalledWith({ run: {} });
    expect(() => createIpcClient(undefined)).toThrow(/window\.sps/);
  });
});
