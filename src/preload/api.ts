/**
 * The renderer's whole view of the app (window.sps): typed API calls, event subscriptions and
 * three native dialogs. Nothing else crosses the bridge: no ipcRenderer, no Electron event
 * objects, and only method / event names the contract (src/shared/api.ts) lists.
 *
 * This file is bundled into one CommonJS file (vite.preload.config.ts) because sandboxed
 * preloads cannot load ES modules or local files.
 */
import type { ApiResult } from '../shared/api.js';
import { EVENTS, METHODS } from '../shared/api.js';
import { BRIDGE_KEYS, type SpsBridge } from '../shared/bridge.js';

export { BRIDGE_KEYS, type SpsBridge };

export const CALL_CHANNEL = 'sps:call';
export const EVENT_CHANNEL = 'sps:event';
export const DIALOG_CHANNEL = 'sps:dialog';
/** A dropped file's path, reported to main so the API may then read it (main/path_grants.ts). */
export const DROP_GRANT_CHANNEL = 'sps:drop-grant';

/** The parts of Electron's ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface WebUtilsLike {
  getPathForFile(file: File): string;
}

const refused = (code: string, message: string): ApiResult<never> => ({ ok: false, error: { code, message } });

/** Dialog results arrive as ApiResult; the renderer gets the path, or an Error (only message crosses contextBridge). */
function dialogValue(r: unknown): string | null {
  const res = r as ApiResult<string | null> | undefined;
  if (res && res.ok === true) return typeof res.value === 'string' ? res.value : null;
  const e = res && res.ok === false ? res.error : { code: 'INTERNAL', message: 'no answer from the app' };
  throw new Error(`${e.code}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`);
}

export function createPreloadApi(ipc: IpcRendererLike, webUtils: WebUtilsLike): SpsBridge {
  const methods = new Set<string>(METHODS);
  const events = new Set<string>(EVENTS);
  // One IPC listener; handlers per event name, each called with the payload only.
  const handlers = new Map<string, Set<(payload: unknown) => void>>();
  const onEvent = (_event: unknown, name: unknown, payload: unknown): void => {
    if (typeof name !== 'string') return;
    for (const h of [...(handlers.get(name) ?? [])]) {
      try {
        h(payload);
      } catch (err) {
        console.error(`[sps] a handler of ${name} threw`, err);
      }
    }
  };
  let listening = false;

  const bridge: SpsBridge = {
    async call(method, req) {
      if (typeof method !== 'string' || !methods.has(method)) return refused('UNKNOWN_METHOD', `unknown method ${JSON.stringify(String(method))}`);
      return (await ipc.invoke(CALL_CHANNEL, method, req)) as never;
    },
    subscribe(event, handler) {
      if (typeof event !== 'string' || !events.has(event)) throw new TypeError(`unknown event ${JSON.stringify(String(event))}`);
      if (typeof handler !== 'function') throw new TypeError('subscribe needs a handler function');
      let set = handlers.get(event);
      if (!set) handlers.set(event, (set = new Set()));
      // Wrap, so subscribing the same function twice gives two independent subscriptions.
      const wrapped = (payload: unknown): void => handler(payload as never);
      set.add(wrapped);
      if (!listening) {
        ipc.on(EVENT_CHANNEL, onEvent);
        listening = true;
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        const s = handlers.get(event);
        s?.delete(wrapped);
        if (s && s.size === 0) handlers.delete(event);
        if (handlers.size === 0 && listening) {
          ipc.removeListener(EVENT_CHANNEL, onEvent);
          listening = false;
        }
      };
    },
    pathForFile(file) {
      const path = webUtils.getPathForFile(file);
      // Only a real drop has a path; main grants it before any later call (IPC keeps the order).
      if (path) ipc.send(DROP_GRANT_CHANNEL, path);
      return path;
    },
    async openModelFolder() {
      return dialogValue(await ipc.invoke(DIALOG_CHANNEL, 'openModelFolder'));
    },
    async openDataset() {
      return dialogValue(await ipc.invoke(DIALOG_CHANNEL, 'openDataset'));
    },
    async openRunsFolder() {
      return dialogValue(await ipc.invoke(DIALOG_CHANNEL, 'openRunsFolder'));
    },
    async saveExportPath(defaultName) {
      if (typeof defaultName !== 'string') throw new TypeError('saveExportPath needs a file name');
      return dialogValue(await ipc.invoke(DIALOG_CHANNEL, 'saveExportPath', { defaultName }));
    },
  };
  return Object.freeze(bridge);
}
