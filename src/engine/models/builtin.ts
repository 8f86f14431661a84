import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpsError } from '../../shared/errors.js';

/**
 * The models that ship with the app (resources/models/<id>), so a fresh install has something
 * to tune in its first minute. In a source checkout they sit in <repo>/resources/models; a
 * packaged app carries them outside the asar archive as electron-builder extraResources
 * (<resourcesPath>/models), because onnxruntime memory-maps the weights with its own file
 * I/O, which cannot read inside an asar.
 */
export interface BuiltinModel {
  /** Folder name under resources/models, also the id the library lists it by. */
  id: string;
  /** Absolute path of the model folder. */
  path: string;
  licence: string;
  description: string;
}

interface BuiltinEntry {
  id: string;
  licence: string;
  description: string;
}

const BUILTIN: readonly BuiltinEntry[] = [
  {
    id: 'stories260K',
    licence: 'MIT',
    description: "Karpathy's 260K-parameter Llama trained on TinyStories (llama2.c): tiny, tunes in seconds on a CPU",
  },
];

/** The built-in model used when a job or command names no model. */
export const DEFAULT_BUILTIN_MODEL_ID = 'stories260K';

/** Where to look for resources/models; injectable for tests of the packaged layout. */
export interface BuiltinLookup {
  /** Electron's `process.resourcesPath` (the packaged app's resources folder), if any. */
  resourcesPath?: string | undefined;
  /** A folder to search upwards from for `resources/models` (default: this module's folder). */
  from?: string;
}

/**
 * The folders that may hold the built-in models, most specific first: the packaged app's
 * extraResources, then `resources/models` in the nearest ancestor of this module (src/… in a
 * checkout run with tsx, dist/src/… after `npm run build`).
 */
export function builtinModelRoots(lookup: BuiltinLookup = defaultLookup()): string[] {
  const roots: string[] = [];
  if (lookup.resourcesPath) roots.push(join(lookup.resourcesPath, 'models'));
  let dir = lookup.from ?? dirname(fileURLToPath(import.meta.url));
  for (;;) {
    roots.push(join(dir, 'resources', 'models'));
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return roots;
}

/** The built-in models found on disk (a model whose folder is missing is left out). */
export function builtinModels(lookup: BuiltinLookup = defaultLookup()): BuiltinModel[] {
  const roots = builtinModelRoots(lookup);
  const found: BuiltinModel[] = [];
  for (const entry of BUILTIN) {
    const root = roots.find((r) => existsSync(join(r, entry.id, 'config.json')));
    if (root) found.push({ ...entry, path: join(root, entry.id) });
  }
  return found;
}

/** The folder of a built-in model; a clear error if the installation lacks it. */
export function builtinModelDir(id: string = DEFAULT_BUILTIN_MODEL_ID, lookup: BuiltinLookup = defaultLookup()): string {
  const model = builtinModels(lookup).find((m) => m.id === id);
  if (model) return model.path;
  const known = BUILTIN.map((e) => e.id).join(', ');
  throw new SpsError('FILE_NOT_FOUND', `built-in model "${id}" not found`, {
    location: { file: builtinModelRoots(lookup)[0]! },
    hint: BUILTIN.some((e) => e.id === id)
      ? 'the installation is incomplete: reinstall the app, or in a source checkout restore resources/models with git'
      : `built-in models: ${known}`,
  });
}

/** True when `path` is one of the built-in model folders (the library marks them as such). */
export function isBuiltinModelPath(path: string, lookup: BuiltinLookup = defaultLookup()): boolean {
  return builtinModels(lookup).some((m) => m.path === resolve(path));
}

function defaultLookup(): BuiltinLookup {
  // Set by Electron in its main and utility processes; undefined under plain Node.
  return { resourcesPath: (process as { resourcesPath?: string }).resourcesPath };
}
