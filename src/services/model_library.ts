import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelEntry, ModelSource } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { builtinModels } from '../engine/models/builtin.js';
import { describeModel, type ModelDescription } from '../engine/models/describe_model.js';
import { modelId } from '../engine/models/model_id.js';
import { deleteCachedSnapshot, hfHubCacheDir, listCachedSnapshots, type CachedSnapshot } from '../engine/hub/cache_dir.js';
import { JsonStore } from './store.js';

interface ModelsFile {
  version: 1;
  models: { id: string; path: string; addedAt: string }[];
}

export interface LibraryOptions {
  /** Holds models.json (the folders the user added). */
  dataDir: string;
  /** The Hugging Face hub cache (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  hfCacheDir?: string;
  /** Where pulls download to, in the cache layout (default: the hub cache, so Python tools share downloads). */
  downloadDir?: string;
  /** The built-in model folders (default: the ones shipped in resources/models). */
  builtinDirs?: string[];
}

/** A library entry from a cheap description (config.json and safetensors headers). */
export function toEntry(d: ModelDescription, source: ModelSource, addedAt: string, extra: Partial<ModelEntry> = {}): ModelEntry {
  return {
    id: modelId(d.dir),
    path: d.dir,
    name: d.name,
    modelType: d.modelType,
    architecture: d.architecture,
    supported: d.ready,
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.hiddenSize !== undefined ? { hiddenSize: d.hiddenSize } : {}),
    ...(d.numLayers !== undefined ? { numLayers: d.numLayers } : {}),
    ...(d.vocabSize !== undefined ? { vocabSize: d.vocabSize } : {}),
    ...(d.contextLength !== undefined ? { contextLength: d.contextLength } : {}),
    ...(d.parameters !== undefined ? { parameters: d.parameters } : {}),
    ...(d.dtype !== undefined ? { dtype: d.dtype } : {}),
    sizeBytes: d.diskBytes,
    addedAt,
    source,
    ...extra,
  };
}

/**
 * Every model the app knows: the built-in ones, folders the user added (models.json), and the
 * snapshots in the Hugging Face cache and the download folder. Each is described from its
 * config.json and safetensors headers on every listing, so "ready" and the reason stay true
 * when a folder changes; no weights are read.
 */
export class ModelLibrary {
  readonly hfCacheDir: string;
  readonly downloadDir: string;
  private readonly store: JsonStore<ModelsFile>;

  constructor(private readonly opts: LibraryOptions) {
    this.hfCacheDir = resolve(opts.hfCacheDir ?? hfHubCacheDir());
    this.downloadDir = resolve(opts.downloadDir ?? this.hfCacheDir);
    this.store = new JsonStore<ModelsFile>(join(opts.dataDir, 'models.json'), 'model index', () => ({ version: 1, models: [] }), (v) => {
      const f = v as Partial<ModelsFile> | null;
      if (typeof f !== 'object' || f === null || !Array.isArray(f.models)) return 'expected {"version": 1, "models": [...]}';
      if (f.models.some((m) => typeof m !== 'object' || m === null || typeof m.id !== 'string' || typeof m.path !== 'string')) return 'every model needs an "id" and a "path"';
      return undefined;
    });
  }

  /** The hub cache folders scanned (the download folder first). */
  get cacheDirs(): string[] {
    return [...new Set([this.downloadDir, this.hfCacheDir])];
  }

  builtinDirs(): string[] {
    return (this.opts.builtinDirs ?? builtinModels().map((m) => m.path)).map((d) => resolve(d));
  }

  /**
   * The folders models are read from: built-in models, the download folder, the hub cache and
   * every added folder. Web mode allows paths under these roots.
   */
  roots(): string[] {
    return [...new Set([...this.builtinDirs(), ...this.cacheDirs, ...this.store.read().models.map((m) => resolve(m.path))])];
  }

  snapshots(): (CachedSnapshot & { cacheDir: string })[] {
    return this.cacheDirs.flatMap((cacheDir) => listCachedSnapshots(cacheDir).map((s) => ({ ...s, cacheDir })));
  }

  describeSnapshot(s: CachedSnapshot, all: readonly CachedSnapshot[] = [s]): ModelEntry {
    const several = all.filter((o) => o.repoId === s.repoId).length > 1;
    const entry = this.describe(s.dir, 'hf-cache', '', { repoId: s.repoId, revision: s.revision, refs: s.refs });
    return { ...entry, name: several ? `${s.repoId}@${s.revision.slice(0, 8)}` : s.repoId };
  }

  private describe(dir: string, source: ModelSource, addedAt: string, extra: Partial<ModelEntry> = {}): ModelEntry {
    try {
      return toEntry(describeModel(dir), source, addedAt, extra);
    } catch (err) {
      if (!(err instanceof SpsError)) throw err;
      // The folder itself is gone or unreadable: listed, with the reason.
      return { id: modelId(dir), path: resolve(dir), name: dir.split(/[\\/]/).pop() ?? dir, modelType: 'unknown', supported: false, reason: existsSync(dir) ? err.message : `the folder is gone: ${resolve(dir)}`, addedAt, source, ...extra };
    }
  }

  list(): ModelEntry[] {
    const out: ModelEntry[] = [];
    const seen = new Set<string>();
    const push = (e: ModelEntry) => {
      if (seen.has(e.path)) return;
      seen.add(e.path);
      out.push(e);
    };
    for (const dir of this.builtinDirs()) push(this.describe(dir, 'builtin', ''));
    for (const m of this.store.read().models) push(this.describe(m.path, 'added', m.addedAt));
    const snaps = this.snapshots();
    for (const s of snaps) push(this.describeSnapshot(s, snaps));
    return out;
  }

  /** Describes any folder without adding it. */
  inspect(path: string): ModelEntry {
    return toEntry(describeModel(path), 'added', new Date().toISOString());
  }

  /** Adds a folder (re-adding refreshes it); a path that is not a folder is refused. */
  add(path: string): ModelEntry {
    const entry = this.inspect(path);
    const index = this.store.read();
    const previous = index.models.find((m) => m.id === entry.id);
    if (previous) entry.addedAt = previous.addedAt;
    else index.models.push({ id: entry.id, path: entry.path, addedAt: entry.addedAt });
    this.store.write({ version: 1, models: index.models });
    return entry;
  }

  /** A model by id, path or (for cache snapshots) repo id. */
  find(key: string): ModelEntry | undefined {
    const all = this.list();
    const path = resolve(key);
    return all.find((m) => m.id === key || m.path === path) ?? all.find((m) => m.repoId === key && (m.refs ?? []).includes('main')) ?? all.find((m) => m.repoId === key);
  }

  /**
   * Forgets an added folder (the folder itself is never touched). A cache snapshot is only
   * removed with deleteFiles, which deletes it from disk; built-in models stay.
   */
  remove(key: string, deleteFiles = false): { removed: boolean } {
    const index = this.store.read();
    const path = resolve(key);
    const added = index.models.find((m) => m.id === key || resolve(m.path) === path);
    if (added) {
      this.store.write({ version: 1, models: index.models.filter((m) => m !== added) });
      return { removed: true };
    }
    const entry = this.find(key);
    if (!entry) return { removed: false };
    if (entry.source === 'builtin') throw new SpsError('INVALID_ARGUMENT', `${entry.name} is built into the app and cannot be removed`, { location: { field: 'id' } });
    if (entry.source === 'hf-cache' && entry.repoId && entry.revision) {
      if (!deleteFiles) {
        throw new SpsError('INVALID_ARGUMENT', `${entry.name} is in the Hugging Face cache (${entry.path}); removing it deletes its files, which Python tools share`, { location: { field: 'deleteFiles' }, hint: 'confirm deleting the files (sps models remove --delete-files)' });
      }
      const snap = this.snapshots().find((s) => s.dir === entry.path);
      if (!snap) return { removed: false };
      deleteCachedSnapshot(snap.cacheDir, snap.repoId, snap.revision);
      return { removed: true };
    }
    return { removed: false };
  }
}
