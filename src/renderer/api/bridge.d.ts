/**
 * window.sps, as the desktop app's preload exposes it (src/preload/api.ts SpsBridge; the
 * renderer may not import the preload, so the surface is mirrored here — keep them in step).
 * Absent in web mode.
 */
import type { ApiEvents, ApiResult, EventName, Method, Req, Res } from '../../shared/api.js';

export interface SpsBridge {
  call<M extends Method>(method: M, req: Req<M>): Promise<ApiResult<Res<M>>>;
  subscribe<E extends EventName>(event: E, handler: (payload: ApiEvents[E]) => void): () => void;
  /** The absolute path of a dropped file (webUtils.getPathForFile). */
  pathForFile(file: File): string;
  /** A chosen path, or null when the user cancelled; rejects with an Error naming the failure. */
  openModelFolder(): Promise<string | null>;
  openDataset(): Promise<string | null>;
  saveExportPath(defaultName: string): Promise<string | null>;
}

declare global {
  interface Window {
    sps?: SpsBridge;
  }
}
