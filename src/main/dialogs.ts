/**
 * Native file dialogs for the renderer, on their own channel `sps:dialog` but behind the same
 * gate as the API (trusted sender first, then a check of the arguments). The renderer gets a
 * path string or null (cancelled); it never chooses where a dialog opens beyond a file name.
 */
import type { ApiResult } from '../shared/api.js';
import type { GateLogger, IpcEventLike, SenderCheck } from './ipc_gate.js';
import { consoleLogger, fail, guarded } from './ipc_gate.js';
import type { GrantKind, PathGrants } from './path_grants.js';

export const DIALOG_CHANNEL = 'sps:dialog';
export const DIALOG_KINDS = ['openModelFolder', 'openDataset', 'saveExportPath', 'openRunsFolder'] as const;
export type DialogKind = (typeof DIALOG_KINDS)[number];

const GRANT_OF: Record<DialogKind, GrantKind> = { openModelFolder: 'folder', openDataset: 'file', saveExportPath: 'save', openRunsFolder: 'runsFolder' };

export const DATASET_EXTENSIONS = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'txt'];

export interface Dialogs {
  openModelFolder(): Promise<string | null>;
  openDataset(): Promise<string | null>;
  saveExportPath(defaultName: string): Promise<string | null>;
  openRunsFolder(): Promise<string | null>;
}

/** The parts of Electron's `dialog` used here. */
export interface DialogModule<W> {
  showOpenDialog(window: W, options: { title?: string; properties: ('openFile' | 'openDirectory' | 'createDirectory' | 'dontAddToRecent')[]; filters?: { name: string; extensions: string[] }[] }): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(window: W, options: { title?: string; defaultPath?: string; properties?: ('createDirectory' | 'showOverwriteConfirmation')[] }): Promise<{ canceled: boolean; filePath?: string }>;
}

export function createDialogs<W>(dialog: DialogModule<W>, getWindow: () => W | null): Dialogs {
  const win = (): W => {
    const w = getWindow();
    if (w === null) throw new Error('no window to attach the dialog to');
    return w;
  };
  return {
    async openModelFolder() {
      const r = await dialog.showOpenDialog(win(), { title: 'Open a model folder', properties: ['openDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async openDataset() {
      const r = await dialog.showOpenDialog(win(), {
        title: 'Open a dataset',
        properties: ['openFile'],
        filters: [
          { name: 'Datasets', extensions: DATASET_EXTENSIONS },
          { name: 'All files', extensions: ['*'] },
        ],
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async openRunsFolder() {
      const r = await dialog.showOpenDialog(win(), { title: 'Choose the folder for runs', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async saveExportPath(defaultName) {
      const r = await dialog.showSaveDialog(win(), { title: 'Export to', defaultPath: defaultName, properties: ['createDirectory', 'showOverwriteConfirmation'] });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };
}

/** Problems with a dialog request (empty when valid). */
export function validateDialogRequest(kind: unknown, arg: unknown): string[] {
  if (typeof kind !== 'string' || !(DIALOG_KINDS as readonly string[]).includes(kind)) return [`unknown dialog ${JSON.stringify(String(kind).slice(0, 100))}`];
  if (kind !== 'saveExportPath') return arg === undefined || arg === null ? [] : [`${kind} takes no arguments`];
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) return ['the request must be an object'];
  const errs: string[] = [];
  for (const k of Object.keys(arg)) if (k !== 'defaultName') errs.push(`unexpected field "${k}"`);
  const name = (arg as { defaultName?: unknown }).defaultName;
  if (typeof name !== 'string' || name === '' || name.length > 255) errs.push('"defaultName" must be a file name (1 to 255 characters)');
  else if (/[/\\\0]/.test(name) || name === '.' || name === '..') errs.push('"defaultName" must be a file name, not a path');
  return errs;
}

export type DialogGate = (event: IpcEventLike, kind: unknown, arg: unknown) => Promise<ApiResult<string | null>>;

/** The handler for `ipcMain.handle('sps:dialog', gate)`. */
export function createDialogGate(opts: { dialogs: Dialogs; isTrustedSender: SenderCheck; log?: GateLogger; grants?: PathGrants }): DialogGate {
  const log = opts.log ?? consoleLogger;
  return (event, kind, arg) =>
    guarded(event, opts.isTrustedSender, `dialog ${String(kind).slice(0, 50)}`, log, async () => {
      const problems = validateDialogRequest(kind, arg);
      if (problems.length > 0) return fail(problems[0]!.startsWith('unknown dialog') ? 'UNKNOWN_METHOD' : 'INVALID_ARGUMENT', problems.join('; '), problems[0]!.includes('defaultName') ? { field: 'defaultName' } : {});
      const k = kind as DialogKind;
      const value = k === 'saveExportPath' ? await opts.dialogs.saveExportPath((arg as { defaultName: string }).defaultName) : await opts.dialogs[k]();
      // What the user chose is what the renderer may now name in API calls.
      if (value !== null) opts.grants?.grant(value, GRANT_OF[k]);
      return { ok: true, value };
    });
}
