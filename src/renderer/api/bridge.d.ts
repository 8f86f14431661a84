/** window.sps as the desktop app's preload exposes it (src/shared/bridge.ts); absent in web mode. */
import type { SpsBridge } from '../../shared/bridge.js';

declare global {
  interface Window {
    sps?: SpsBridge;
  }
}
