/**
 * Wires the desktop app: app:// protocol → window (hardened) → IPC gate → services (the API
 * implementation, src/services) with utility-process workers. Electron is passed in (main.ts
 * passes the real module), so the wiring runs under unit tests with fakes.
 */
import type * as ElectronTypes from 'electron';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import type { TokenStore } from '../services/hub_token.js';
import type { WorkerLauncher } from '../worker/launcher.js';
import { APP_ENTRY_URL, APP_SCHEME } from './app_origin.js';
import { resolveAppPaths, type AppPaths } from './app_paths.js';
import { createDialogGate, createDialogs, DIALOG_CHANNEL } from './dialogs.js';
import { createEventsBridge, type EmitEvent } from './events_bridge.js';
import { createSafeStorageTokenStore } from './hub_token_store.js';
import { appFrameCheck, consoleLogger, createIpcGate, type GateLogger } from './ipc_gate.js';
import { acquireSingleInstance, installQuitHandler, type QuitControl } from './lifecycle.js';
import { createDropGrantHandler, DROP_GRANT_CHANNEL, PathGrants } from './path_grants.js';
import { createAppProtocolHandler, registerAppScheme } from './protocol.js';
import { hardenWebContents, secureWindowOptions, DEFAULT_EXTERNAL_HOSTS } from './window.js';
import { createUtilityProcessLauncher, type UtilityProcessModule } from './worker_launcher.js';

export const CALL_CHANNEL = 'sps:call';

/** What src/services/index.ts's createServices returns. */
export interface Services {
  handlers: ApiHandlers;
  shutdown(): Promise<void>;
  /** Folders any request may name (the app's own, the registered models'). */
  standingRoots?(): string[];
}

/** The signature of src/services/index.ts's createServices. */
export type ServicesFactory = (opts: { dataDir: string; runsDir?: string; launcher?: WorkerLauncher; mode: 'desktop' | 'web'; emit: EmitEvent; tokenStore?: TokenStore }) => Services | Promise<Services>;

/** The parts of the `electron` module the app uses. */
export type ElectronMain = Pick<typeof ElectronTypes, 'app' | 'BrowserWindow' | 'ipcMain' | 'protocol' | 'shell' | 'dialog' | 'utilityProcess'> & Partial<Pick<typeof ElectronTypes, 'safeStorage'>>;

export interface AppLayout {
  /** The app's root: the project folder in development, the asar root when packaged. */
  root: string;
  rendererDir: string;
  preload: string;
  icon: string;
}

/** Paths of the built app relative to its root (see package.json "main" and the build scripts). */
export function appLayout(root: string): AppLayout {
  return {
    root,
    rendererDir: join(root, 'dist', 'renderer'),
    preload: join(root, 'dist', 'preload', 'preload.cjs'),
    icon: join(root, 'resources', 'icons', 'icon.png'),
  };
}

export interface DesktopApp {
  paths: AppPaths;
  services: Services;
  quit: QuitControl;
  window: () => ElectronTypes.BrowserWindow | null;
}

/**
 * Must be called before `app` is ready (the scheme is registered synchronously, first).
 * Resolves once the first window is loading; resolves to null in a second instance (which quits).
 */
export async function startDesktopApp(electron: ElectronMain, createServices: ServicesFactory, opts: { root: string; log?: GateLogger; shutdownTimeoutMs?: number }): Promise<DesktopApp | null> {
  const { app, BrowserWindow, ipcMain, protocol, shell, dialog, utilityProcess } = electron;
  const log = opts.log ?? consoleLogger;
  const layout = appLayout(opts.root);

  registerAppScheme(protocol);
  app.enableSandbox();
  let win: ElectronTypes.BrowserWindow | null = null;
  if (!acquireSingleInstance(app, () => focus(win))) return null;

  // Every web contents, now or later, gets the same hardening.
  app.on('web-contents-created', (_event, wc) => {
    hardenWebContents(wc, { openExternal: (url) => shell.openExternal(url), allowedExternalHosts: DEFAULT_EXTERNAL_HOSTS, log });
  });

  await app.whenReady();
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root: layout.rendererDir }));

  const paths = resolveAppPaths(app);
  const emit = createEventsBridge(() => win?.webContents ?? null, log);
  let services: Services;
  try {
    services = await createServices({
      dataDir: paths.dataDir,
      runsDir: paths.defaultRunsDir,
      launcher: createUtilityProcessLauncher(utilityProcess as unknown as UtilityProcessModule),
      mode: 'desktop',
      emit,
      // The Hugging Face token for gated downloads, encrypted by the OS keychain.
      ...(electron.safeStorage ? { tokenStore: createSafeStorageTokenStore(electron.safeStorage, join(paths.dataDir, 'hf-token.bin'), (m) => log.warn(m)) } : {}),
    });
  } catch (err) {
    log.error('could not start the app services', err);
    dialog.showErrorBox('Soft Prompt Studio could not start', `${err instanceof Error ? err.message : String(err)}\n\nData folder: ${paths.dataDir}`);
    app.exit(1);
    return null;
  }

  const isTrustedSender = appFrameCheck(() => BrowserWindow.getAllWindows().map((w) => w.webContents.mainFrame));
  // Paths reach the API only from the dialogs and drops (plus the app's own folders).
  const grants = new PathGrants(() => services.standingRoots?.() ?? [paths.dataDir, paths.defaultRunsDir]);
  ipcMain.handle(CALL_CHANNEL, createIpcGate({ handlers: services.handlers, isTrustedSender, log, paths: grants }));
  ipcMain.handle(DIALOG_CHANNEL, createDialogGate({ dialogs: createDialogs(dialog, () => win), isTrustedSender, log, grants }));
  ipcMain.on(DROP_GRANT_CHANNEL, createDropGrantHandler({ grants, isTrustedSender, isFolder: (p) => statSync(p).isDirectory() }));

  const quit = installQuitHandler({ app, shutdown: () => services.shutdown(), log, ...(opts.shutdownTimeoutMs === undefined ? {} : { timeoutMs: opts.shutdownTimeoutMs }) });

  const createWindow = (): void => {
    const w = new BrowserWindow(secureWindowOptions({ preload: layout.preload, icon: layout.icon }));
    win = w;
    w.once('ready-to-show', () => w.show());
    w.on('closed', () => {
      if (win === w) win = null;
    });
    w.loadURL(APP_ENTRY_URL).catch((err: unknown) => log.error(`could not load ${APP_ENTRY_URL}`, err));
  };
  app.on('window-all-closed', () => app.quit());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  createWindow();
  return { paths, services, quit, window: () => win };
}

function focus(win: ElectronTypes.BrowserWindow | null): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.focus();
}
