/**
 * Renderer window security (DESIGN.md §4): isolated, sandboxed, no Node; the page may not
 * navigate away from the app, open windows, attach webviews or get any permission. Links to a
 * short allowlist of https hosts open in the user's browser.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { isAppUrl } from './app_origin.js';
import type { GateLogger } from './ipc_gate.js';
import { consoleLogger } from './ipc_gate.js';

/** Hosts the app links to (model cards, docs). Exact host names; https only. */
export const DEFAULT_EXTERNAL_HOSTS: readonly string[] = ['huggingface.co', 'github.com', 'arxiv.org', 'onnxruntime.ai', 'www.electronjs.org'];

export function secureWindowOptions(opts: { preload: string; title?: string; icon?: string; width?: number; height?: number }): BrowserWindowConstructorOptions {
  const options: BrowserWindowConstructorOptions = {
    width: opts.width ?? 1280,
    height: opts.height ?? 840,
    minWidth: 900,
    minHeight: 600,
    title: opts.title ?? 'Soft Prompt Studio',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
    },
  };
  if (opts.icon !== undefined) options.icon = opts.icon;
  return options;
}

/** True for an https URL on an allowlisted host (exact match), without credentials or a port. */
export function isAllowedExternal(url: string, allowedHosts: readonly string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && allowedHosts.includes(u.hostname.toLowerCase());
}

interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of Electron's WebContents (and its session) the hardening touches. */
export interface HardenableWebContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  session: {
    setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void) | null): void;
    setPermissionCheckHandler(handler: ((wc: unknown, permission: string) => boolean) | null): void;
  };
}

export function hardenWebContents(
  wc: HardenableWebContents,
  opts: { openExternal: (url: string) => Promise<void> | void; allowedExternalHosts?: readonly string[]; log?: GateLogger },
): void {
  const hosts = opts.allowedExternalHosts ?? DEFAULT_EXTERNAL_HOSTS;
  const log = opts.log ?? consoleLogger;
  const openOutside = (url: string): void => {
    if (!isAllowedExternal(url, hosts)) {
      log.warn(`blocked a link to ${url.slice(0, 200)}`);
      return;
    }
    Promise.resolve()
      .then(() => opts.openExternal(url))
      .catch((err: unknown) => log.error(`could not open ${url}`, err));
  };
  const guardNavigation = (event: PreventableEvent, url: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openOutside(url);
  };
  wc.on('will-navigate', guardNavigation);
  wc.on('will-redirect', guardNavigation);
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  wc.session.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn(`denied a permission request: ${permission}`);
    callback(false);
  });
  wc.session.setPermissionCheckHandler(() => false);
}
