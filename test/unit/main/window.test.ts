import { describe, expect, it, vi } from 'vitest';
import { hardenWebContents, isAllowedExternal, secureWindowOptions, type HardenableWebContents } from '../../../src/main/window.js';
import { createEventsBridge } from '../../../src/main/events_bridge.js';

function fakeWebContents() {
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  let openHandler: ((d: { url: string }) => { action: string }) | undefined;
  let requestHandler: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
  let checkHandler: ((wc: unknown, p: string) => boolean) | null = null;
  const wc = {
    on(event: string, l: (...args: unknown[]) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), l]);
      return wc;
    },
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      openHandler = h;
    },
    session: {
      setPermissionRequestHandler(h: typeof requestHandler) {
        requestHandler = h;
      },
      setPermissionCheckHandler(h: typeof checkHandler) {
        checkHandler = h;
      },
    },
  };
  const fire = (event: string, ...args: unknown[]) => {
    const e = { prevented: false, preventDefault() { this.prevented = true; } };
    for (const l of listeners.get(event) ?? []) l(e, ...args);
    return e.prevented;
  };
  return {
    wc: wc as unknown as HardenableWebContents,
    fire,
    open: (url: string) => openHandler!({ url }),
    request: (p: string) => new Promise<boolean>((resolve) => requestHandler!({}, p, resolve)),
    check: (p: string) => checkHandler!({}, p),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));
const quiet = { error: vi.fn(), warn: vi.fn() };

describe('window options', () => {
  it('isolate, sandbox and disable Node in the renderer', () => {
    const o = secureWindowOptions({ preload: '/app/dist/preload/preload.cjs' });
    expect(o.webPreferences).toMatchObject({
      preload: '/app/dist/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    });
    expect(JSON.stringify(o)).not.toMatch(/enableRemoteModule|"remote"/);
  });
});

describe('web contents hardening', () => {
  it('prevents navigation away from app://, and allows it within', () => {
    const f = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(f.wc, { openExternal, log: quiet });
    expect(f.fire('will-navigate', 'app://sps/index.html#/runs')).toBe(false);
    expect(f.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(f.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(f.fire('will-navigate', 'app://other/index.html')).toBe(true);
    expect(f.fire('will-redirect', 'http://127.0.0.1:9/')).toBe(true);
  });

  it('denies new windows and opens only allowlisted https links externally', async () => {
    const f = fakeWebContents();
    const openExternal = vi.fn();
    hardenWebContents(f.wc, { openExternal, allowedExternalHosts: ['huggingface.co'], log: quiet });
    for (const url of ['https://huggingface.co/HuggingFaceTB/SmolLM2-135M', 'http://huggingface.co/x', 'https://huggingface.co.evil.example/', 'https://user:pw@huggingface.co/', 'javascript:alert(1)', 'app://sps/index.html', 'file:///etc/passwd']) {
      expect(f.open(url)).toEqual({ action: 'deny' });
    }
    await flush();
    expect(openExternal.mock.calls).toEqual([['https://huggingface.co/HuggingFaceTB/SmolLM2-135M']]);
    // A plain link click (navigation) to an allowlisted host also goes to the browser.
    expect(f.fire('will-navigate', 'https://huggingface.co/docs')).toBe(true);
    await flush();
    expect(openExternal).toHaveBeenLastCalledWith('https://huggingface.co/docs');
  });

  it('prevents webviews and denies every permission', async () => {
    const f = fakeWebContents();
    hardenWebContents(f.wc, { openExternal: vi.fn(), log: quiet });
    expect(f.fire('will-attach-webview')).toBe(true);
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(await f.request(p)).toBe(false);
      expect(f.check(p)).toBe(false);
    }
  });

  it('checks external URLs exactly', () => {
    expect(isAllowedExternal('https://github.com/a/b', ['github.com'])).toBe(true);
    expect(isAllowedExternal('https://GITHUB.com/a', ['github.com'])).toBe(true);
    expect(isAllowedExternal('https://github.com:8443/a', ['github.com'])).toBe(false);
    expect(isAllowedExternal('https://gist.github.com/a', ['github.com'])).toBe(false);
    expect(isAllowedExternal('not a url', ['github.com'])).toBe(false);
  });
});

describe('the events bridge', () => {
  it('sends only contract events, to a live window', () => {
    const send = vi.fn();
    let destroyed = false;
    const log = { error: vi.fn(), warn: vi.fn() };
    const emit = createEventsBridge(() => ({ send, isDestroyed: () => destroyed }), log);
    const run = { id: 'r1' } as never;
    emit('jobs.changed', { run });
    expect(send).toHaveBeenCalledWith('sps:event', 'jobs.changed', { run });
    (emit as (n: string, p: unknown) => void)('system.secret', {});
    expect(send).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalled();
    destroyed = true;
    emit('jobs.changed', { run });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('survives no window and a send that throws', () => {
    const log = { error: vi.fn(), warn: vi.fn() };
    expect(() => createEventsBridge(() => null, log)('jobs.changed', { run: {} as never })).not.toThrow();
    const emit = createEventsBridge(() => ({ send: () => { throw new Error('An object could not be cloned'); }, isDestroyed: () => false }), log);
    expect(() => emit('inference.token', { streamId: 's' })).not.toThrow();
    expect(log.error).toHaveBeenCalled();
  });
});
