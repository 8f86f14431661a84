import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { defaultResourceLookup, resourceRoots, type ResourceLookup } from '../resources.js';

/**
 * The models that ship with the app (resources/models/<id>), so a fresh install has something
 * to tune in its first minute; found as src/engine/resources.ts describes.
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
export type BuiltinLookup = ResourceLookup;

/** The folders that may hold the built-in models (see resourceRoots). */
export function builtinModelRoots(lookup: BuiltinLookup = defaultResourceLookup()): string[] {
  return resourceRoots('models', lookup);
}

/** The built-in models found on disk (a model whose folder is missing is left out). */
export function builtinModels(lookup: BuiltinLookup = defaultResourceLookup()): BuiltinModel[] {
  const roots = builtinModelRoots(lookup);
  const found: BuiltinModel[] = [];
  for (const entry of BUILTIN) {
    const root = roots.find((r) => existsSync(join(r, entry.id, 'config.json')));
    if (root) found.push({ ...entry, path: join(root, entry.id) });
  }
  return found;
}

/** The folder of a built-in model; a clear error if the installation lacks it. */
export function builtinModelDir(id: string = DEFAULT_BUILTIN_MODEL_ID, lookup: BuiltinLookup = defaultResourceLookup()): string {
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
export function isBuiltinModelPath(path: string, lookup: BuiltinLookup = defaultResourceLookup()): boolean {
  return builtinModels(lookup).some((m) => m.path === resolve(path));
}
