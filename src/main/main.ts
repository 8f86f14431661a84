/**
 * The Electron main entry (package.json "main": dist/src/main/main.js). The only module that
 * imports `electron` at run time; everything else receives Electron objects as parameters.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, shell, utilityProcess } from 'electron';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createServices } from '../services/index.js';
import { startDesktopApp } from './app_main.js';

// dist/src/main/main.js → the app root (project folder, or the asar root when packaged).
const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

const started = startDesktopApp({ app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, shell, utilityProcess }, createServices, { root });
started.catch((err: unknown) => {
  console.error('[sps main] start failed', err);
  dialog.showErrorBox('Soft Prompt Studio could not start', err instanceof Error ? err.message : String(err));
  app.exit(1);
});

// Ctrl+C / kill in development: the same orderly quit (jobs checkpoint) as the menu.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
