import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the files that ship with the app (resources/models, resources/samples) are. A packaged
 * app carries them outside the asar archive as electron-builder extraResources
 * (<process.resourcesPath>/<kind>): onnxruntime memory-maps weights with its own file I/O and
 * the training worker reads datasets with plain fs, neither of which can look inside an asar.
 * A source checkout has them in <repo>/resources/<kind>.
 */
export interface ResourceLookup {
  /** Electron's `process.resourcesPath` (the packaged app's resources folder), if any. */
  resourcesPath?: string | undefined;
  /** A folder to search upwards from for `resources/<kind>` (default: this module's folder). */
  from?: string;
}

/**
 * Candidate folders for `kind`, most specific first: the packaged app's extraResources, then
 * `resources/<kind>` in each ancestor of this module (src/… under tsx, dist/src/… after a build).
 */
export function resourceRoots(kind: 'models' | 'samples', lookup: ResourceLookup = defaultResourceLookup()): string[] {
  const roots: string[] = [];
  if (lookup.resourcesPath) roots.push(join(lookup.resourcesPath, kind));
  let dir = lookup.from ?? dirname(fileURLToPath(import.meta.url));
  for (;;) {
    roots.push(join(dir, 'resources', kind));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return roots;
}

export function defaultResourceLookup(): ResourceLookup {
  // Set by Electron in its main and utility processes; undefined under plain Node.
  return { resourcesPath: (process as { resourcesPath?: string }).resourcesPath };
}
