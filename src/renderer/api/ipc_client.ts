/**
 * The desktop transport of the API: window.sps (the preload bridge) as an ApiClient. Failed
 * calls reject with ApiError carrying the app's structured error (code, message, location,
 * hint). Browser-only code: no Node, no Electron.
 */
import type { ApiClient } from '../../shared/api.js';
import { ApiError } from '../../shared/api.js';
import type { SpsBridge } from '../../shared/bridge.js';

/** window.sps when the page runs inside the desktop app, else undefined (web mode). */
export function desktopBridge(): SpsBridge | undefined {
  return (globalThis as { sps?: SpsBridge }).sps;
}

export function createIpcClient(bridge: SpsBridge | undefined = desktopBridge()): ApiClient {
  if (!bridge) throw new Error('window.sps is missing: the IPC client only works inside the desktop app');
  return {
    call: async (method, req) => {
      const r = await bridge.call(method, req);
      if (r.ok) return r.value;
      throw new ApiError(r.error);
    },
    subscribe: (event, handler) => bridge.subscribe(event, handler),
  };
}
