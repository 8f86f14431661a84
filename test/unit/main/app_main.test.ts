import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { ApiHandlers } from '../../../src/shared/api.js';
import { startDesktopApp, type ElectronMain, type ServicesFactory } from '../../../src/main/app_main.js';

function fakeElectron(userData: string) {
  const order: string[] = [];
  const handles = new Map<string, (...a: unknown[]) => unknown>();
  const windows: FakeWindow[] = [];
  class FakeWindow extends EventEmitter {
    static getAllWindows = () => windows.filter((w) => !w.destroyed);
    destroyed = false;
    loaded: string | undefined;
    sent: unknown[][] = [];
    webContents = {
      mainFrame: { url: 'app://sps/index.html', parent: null },
      send: (...a: unknown[]) => this.sent.push(a),
      isDestroyed: () => this.destroyed,
    };
    constructor(readonly options: unknown) {
      super();
      windows.push(this);
      order.push('window');
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => false;
    restore() {}
    focus() {}
    show() {}
  }
  const app = Object.assign(new EventEmitter(), {
    enableSandbox: vi.fn(() => order.push('sandbox')),
    requestSingleInstanceLock: () => true,
    whenReady: async () => {
      order.push('ready');
    },
    getPath: () => userData,
    quit: vi.fn(),
    exit: vi.fn(),
  });
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (ch: string, h: (...a: unknown[]) => unknown) => handles.set(ch, h), on: (ch: string, h: (...a: unknown[]) => unknown) => handles.set(ch, h) },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(() => order.push('scheme')),
      handle: vi.fn((scheme: string) => order.push(`handle:${scheme}`)),
    },
    shell: { openExternal: vi.fn(async () => {}) },
    dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    utilityProcess: { fork: vi.fn() },
  };
  return { electron: electron as unknown as ElectronMain, raw: electron, handles, windows, order };
}

describe('the desktop app wiring', () => {
  it('registers the scheme before ready, starts the services in desktop mode with the utility launcher, gates IPC, opens app://', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'sps-app-'));
    const f = fakeElectron(userData);
    const shutdown = vi.fn(async () => {});
    const handlers = { 'system.info': vi.fn(async () => ({ mode: 'desktop' })) } as unknown as ApiHandlers;
    let opts: Parameters<ServicesFactory>[0] | undefined;
    const createServices: ServicesFactory = (o) => {
      opts = o;
      return { handlers, shutdown };
    };
    const started = await startDesktopApp(f.electron, createServices, { root: '/app', log: { error: vi.fn(), warn: vi.fn() } });
    expect(started).not.toBeNull();
    expect(f.order.indexOf('scheme')).toBeLessThan(f.order.indexOf('ready'));
    expect(f.order.indexOf('handle:app')).toBeGreaterThan(f.order.indexOf('ready'));
    expect(opts).toMatchObject({ dataDir: userData, runsDir: join(userData, 'runs'), mode: 'desktop' });
    expect(typeof opts!.launcher).toBe('function');

    // The window: secure options, our preload, loads the app origin.
    const win = f.windows[0]!;
    expect(win.loaded).toBe('app://sps/index.html');
    expect(win.options).toMatchObject({ webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, preload: join('/app', 'dist', 'preload', 'preload.cjs') } });

    // IPC through the gate: the window's main frame may call, anyone else may not.
    const call = f.handles.get('sps:call')!;
    expect(await call({ senderFrame: win.webContents.mainFrame }, 'system.info', {})).toEqual({ ok: true, value: { mode: 'desktop' } });
    expect(await call({ senderFrame: { url: 'app://sps/index.html', parent: null } }, 'system.info', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(f.handles.has('sps:dialog')).toBe(true);

    // Events from the services reach the window.
    opts!.emit('jobs.changed', { run: { id: 'r1' } as never });
    expect(win.sent).toEqual([['sps:event', 'jobs.changed', { run: { id: 'r1' } }]]);

    // Quit → services.shutdown().
    const e = { preventDefault: vi.fn() };
    f.raw.app.emit('before-quit', e);
    expect(e.preventDefault).toHaveBeenCalled();
    await started!.quit.done;
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(f.raw.app.quit).toHaveBeenCalled();
  });

  it('shows an error and exits when the services cannot start', async () => {
    const f = fakeElectron(mkdtempSync(join(tmpdir(), 'sps-app-')));
    const r = await startDesktopApp(f.electron, () => Promise.reject(new Error('data folder is read-only')), { root: '/app', log: { error: vi.fn(), warn: vi.fn() } });
    expect(r).toBeNull();
    expect(f.raw.dialog.showErrorBox).toHaveBeenCalledWith(expect.any(String), expect.stringContaining('read-only'));
    expect(f.raw.app.exit).toHaveBeenCalledWith(1);
    expect(f.windows).toHaveLength(0);
  });
});

describe('the desktop app with the real services', () => {
  it('starts createServices from src/services and answers system.info through the gate', async () => {
    const { createServices } = await import('../../../src/services/index.js');
    const { forkLauncher } = await import('../../../src/worker/launcher.js');
    const userData = mkdtempSync(join(tmpdir(), 'sps-app-real-'));
    const f = fakeElectron(userData);
    // system.info probes providers in an inference worker. The fake Electron has no utility
    // processes (and they only run compiled workers; worker_launcher.test.ts covers them), so
    // the workers here are Node child processes.
    const started = await startDesktopApp(f.electron, (o) => createServices({ ...o, launcher: forkLauncher }), { root: '/app', log: { error: vi.fn(), warn: vi.fn() } });
    const win = f.windows[0]!;
    const info = (await f.handles.get('sps:call')!({ senderFrame: win.webContents.mainFrame }, 'system.info', {})) as { ok: boolean; value: { mode: string; paths: { data: string; runs: string } } };
    expect(info.ok).toBe(true);
    expect(info.value.mode).toBe('desktop');
    expect(info.value.paths.data).toBe(userData);
    expect(info.value.paths.runs).toBe(join(userData, 'runs'));
    const bad = await f.handles.get('sps:call')!({ senderFrame: win.webContents.mainFrame }, 'jobs.get', { id: 'no-such-run' });
    expect(bad).toMatchObject({ ok: false });
    f.raw.app.emit('before-quit', { preventDefault() {} });
    await started!.quit.done;
  });

  it('stores the Hugging Face token with safeStorage: models.setHubToken through the gate, encrypted in the data folder', async () => {
    const { createServices } = await import('../../../src/services/index.js');
    const userData = mkdtempSync(join(tmpdir(), 'sps-app-token-'));
    const f = fakeElectron(userData);
    const scramble = (b: Buffer) => Buffer.from(b).map((x) => x ^ 0x33);
    const safeStorage = { isEncryptionAvailable: () => true, encryptString: (s: string) => scramble(Buffer.from(s)), decryptString: (b: Buffer) => scramble(b).toString() };
    const started = await startDesktopApp({ ...f.electron, safeStorage } as unknown as ElectronMain, createServices, { root: '/app', log: { error: vi.fn(), warn: vi.fn() } });
    const win = f.windows[0]!;
    const call = (method: string, req: unknown) => f.handles.get('sps:call')!({ senderFrame: win.webContents.mainFrame }, method, req) as Promise<{ ok: boolean; value: { source: string; canStore: boolean } }>;
    const saved = await call('models.setHubToken', { token: 'hf_desktopToken42' });
    expect(saved.value).toMatchObject({ source: process.env.HF_TOKEN ? 'env' : 'stored', canStore: true });
    const file = readFileSync(join(userData, 'hf-token.bin'));
    expect(file.includes(Buffer.from('hf_desktopToken42'))).toBe(false);
    expect(safeStorage.decryptString(file)).toBe('hf_desktopToken42');
    f.raw.app.emit('before-quit', { preventDefault() {} });
    await started!.quit.done;
  });
});
