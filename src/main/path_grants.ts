/**
 * Desktop: which paths the renderer may name in an API call. Paths reach the API only from a
 * native dialog or a drop, and main keeps the grant: a compromised renderer (script injected
 * into the page) can call the API, but cannot make it read or write a path the user did not
 * choose. Standing roots (the data dir, the runs dir, the app's bundled samples and model, the
 * model library's folders) are always allowed.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { requestPaths } from '../shared/api_paths.js';
import type { SerializedError } from '../shared/training_events.js';

/** A dialog's folder (its contents are granted too), a dialog's or a drop's file, a save dialog's target, the runs-folder dialog's choice. */
export type GrantKind = 'folder' | 'file' | 'save' | 'runsFolder';

const inside = (child: string, parent: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
};

export class PathGrants {
  private readonly grants = new Map<string, GrantKind>();

  /** `standingRoots`: folders every request may name (read on each check, so they follow settings). */
  constructor(private readonly standingRoots: () => string[]) {}

  grant(path: string, kind: GrantKind): void {
    const p = resolve(path);
    // A folder grant is never narrowed by a later file grant of the same path.
    if (this.grants.get(p) !== 'folder') this.grants.set(p, kind);
  }

  /** May a request read `path`? A granted file itself, anything inside a granted folder or a standing root. */
  mayRead(path: string): boolean {
    const p = resolve(path);
    if (this.standingRoots().some((r) => inside(p, resolve(r)))) return true;
    for (const [g, kind] of this.grants) {
      if (kind === 'folder' ? inside(p, g) : p === g) return true;
    }
    return false;
  }

  /** May a request write `path`? Only the exact target of a save dialog (or inside a standing root). */
  mayWrite(path: string): boolean {
    const p = resolve(path);
    return this.grants.get(p) === 'save' || this.standingRoots().some((r) => inside(p, resolve(r)));
  }

  /** May the runs folder become `path`? Only what the runs-folder dialog returned (or a standing root). */
  mayUseAsRunsFolder(path: string): boolean {
    const p = resolve(path);
    return this.grants.get(p) === 'runsFolder' || this.standingRoots().some((r) => inside(p, resolve(r)));
  }

  /** The refusal for a request naming a path nobody granted; undefined when every path is granted. */
  refusal(method: string, req: unknown): SerializedError | undefined {
    for (const p of requestPaths(method, req)) {
      const ok = method === 'system.setSettings' ? this.mayUseAsRunsFolder(p.path) : p.use === 'read' ? this.mayRead(p.path) : this.mayWrite(p.path);
      if (!ok) {
        return {
          code: 'PATH_NOT_ALLOWED',
          message: `${method}: the app did not give this window ${p.path} (${p.field}); paths come from the app's open and save dialogs, or a file dropped on the window`,
          location: { file: p.path, field: p.field },
          hint: method === 'system.setSettings' ? 'choose the folder with Settings → Choose…' : p.use === 'read' ? 'choose it with the Browse… button or drop it on the window' : 'choose where to save with the Save dialog',
        };
      }
    }
    return undefined;
  }
}

/** The channel the preload reports a dropped file's path on (only a real drop has one). */
export const DROP_GRANT_CHANNEL = 'sps:drop-grant';

/**
 * The handler for `ipcMain.on(DROP_GRANT_CHANNEL, …)`: a dropped file's or folder's path, as
 * the preload read it from the File (webUtils.getPathForFile: a script cannot forge one), from
 * a trusted sender, becomes a grant.
 */
export function createDropGrantHandler(opts: { grants: PathGrants; isTrustedSender: (frame: { url: string; parent: unknown } | null) => boolean; isFolder: (path: string) => boolean }) {
  return (event: { senderFrame: { url: string; parent: unknown } | null }, path: unknown): void => {
    let trusted = false;
    try {
      trusted = opts.isTrustedSender(event?.senderFrame ?? null);
    } catch {
      trusted = false;
    }
    if (!trusted || typeof path !== 'string' || path === '' || !isAbsolute(path) || path.includes('\0')) return;
    let folder = false;
    try {
      folder = opts.isFolder(path);
    } catch {
      folder = false;
    }
    opts.grants.grant(path, folder ? 'folder' : 'file');
  };
}
