/**
 * The preload script (sandboxed; bundled to dist/preload/preload.cjs by vite.preload.config.ts).
 * Exposes exactly createPreloadApi's surface as window.sps.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createPreloadApi } from './api.js';

contextBridge.exposeInMainWorld('sps', createPreloadApi(ipcRenderer, webUtils));
