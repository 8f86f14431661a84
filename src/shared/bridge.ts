import type { ApiEvents, ApiResult, EventName, Method, Req, Res } from './api.js';

/**
 * window.sps: what the desktop app's preload exposes to the renderer (absent in web mode).
 * Typed API calls, event subscriptions and three native dialogs; nothing else crosses.
 */
export interface SpsBridge {
  call<M extends Method>(method: M, req: Req<M>): Promise<ApiResult<Res<M>>>;
  subscribe<E extends EventName>(event: E, handler: (payload: ApiEvents[E]) => void): () => void;
  /** The absolute path of a dropped file (webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** A chosen path, or null when the user cancelled; rejects with an Error naming the failure. */
  openModelFolder(): Promise<string | null>;
  openDataset(): Promise<string | null>;
  saveExportPath(defaultName: string): Promise<string | null>;
  /** A folder for the runs (Settings); main then lets system.setSettings name it. */
  openRunsFolder(): Promise<string | null>;
}

export const BRIDGE_KEYS = ['call', 'subscribe', 'pathForFile', 'openModelFolder', 'openDataset', 'saveExportPath', 'openRunsFolder'] as const;
