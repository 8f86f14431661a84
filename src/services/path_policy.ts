import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SpsError } from '../shared/errors.js';

export interface AllowedRoot {
  /** What the folder is, for the error message ("data dir", "--allow-dir" …). */
  label: string;
  dir: string;
}

/**
 * The real path of `path` (symlinks resolved). A path that does not exist yet resolves through
 * its nearest existing ancestor, so a link higher up cannot smuggle it out of a root.
 */
export function realPathOf(path: string): string {
  const abs = resolve(path);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync.native(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/** `child` is `parent` or inside it (both real, absolute paths). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Web mode's rule for paths: every path a request names is resolved (realpath) and must lie
 * under one of the allowed roots; anything else is refused with an error naming the roots.
 * The roots are read on every check, so a changed runs dir or library takes effect at once.
 */
export class PathPolicy {
  constructor(private readonly roots: () => AllowedRoot[]) {}

  allowedRoots(): AllowedRoot[] {
    return this.roots().map((r) => ({ label: r.label, dir: realPathOf(r.dir) }));
  }

  /** The real path of `path` when it lies under an allowed root; throws PATH_NOT_ALLOWED otherwise. */
  check(path: string, field: string): string {
    const real = realPathOf(path);
    const roots = this.allowedRoots();
    if (roots.some((r) => isInside(real, r.dir))) return real;
    const list = roots.map((r) => `${r.dir} (${r.label})`).join(', ');
    throw new SpsError('PATH_NOT_ALLOWED', `in web mode the app only reads and writes inside its allowed folders, and ${resolve(path)} is not in one: ${list}`, {
      location: { file: resolve(path), field },
      hint: 'upload the file (drop it on the page), move it into one of these folders, or restart `sps serve` with --allow-dir FOLDER',
    });
  }
}
