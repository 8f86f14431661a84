import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ApiHandlers, ModelEntry } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { fileError, readJsonFile } from '../engine/files.js';
import { loadModel } from '../engine/models/load_model.js';
import type { ServiceContext } from './context.js';
import { JsonStore } from './store.js';
import { memoryShapeOf } from '../engine/models/memory_shape.js';

type ModelHandlers = Pick<ApiHandlers, 'models.list' | 'models.add' | 'models.inspect' | 'models.remove'>;

interface ModelsFile {
  version: 1;
  models: ModelEntry[];
}

/** A stable id for a folder: the same path always gets the same id. */
export function modelId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Opens a model folder and describes it. A folder that is there but cannot be used (unknown
 * architecture, missing tokenizer, damaged weights …) is described with `supported: false`
 * and the reason; a path that is not a folder at all throws.
 */
export function inspectModel(path: string, addedAt = new Date().toISOString()): ModelEntry {
  const dir = resolve(path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw fileError(err, dir, 'model folder', 'pass the folder that holds config.json, model.safetensors and tokenizer.json');
  }
  if (!isDir) throw new SpsError('NOT_A_DIRECTORY', 'the model must be a folder, not a file', { location: { file: dir, field: 'path' }, hint: 'pass the folder that holds config.json, model.safetensors and tokenizer.json' });
  const base = { id: modelId(dir), path: dir, name: basename(dir), addedAt };
  try {
    const m = loadModel(dir);
    let parameters = 0;
    for (const t of m.weights.tensors.values()) parameters += t.shape.reduce((a, b) => a * b, 1);
    const sizeBytes = m.weights.files.reduce((s, f) => s + fileSize(f), 0);
    return {
      ...base,
      modelType: m.spec.modelType,
      supported: true,
      hiddenSize: m.spec.hiddenSize,
      numLayers: m.spec.numLayers,
      vocabSize: m.spec.vocabSize,
      contextLength: m.spec.maxPositions,
      parameters,
      sizeBytes,
      memoryShape: memoryShapeOf(m),
    };
  } catch (err) {
    if (!(err instanceof SpsError)) throw err;
    let modelType = 'unknown';
    try {
      const cfg = readJsonFile(join(dir, 'config.json'), 'config.json') as { model_type?: unknown };
      if (typeof cfg.model_type === 'string') modelType = cfg.model_type;
    } catch {
      // The reason below already says what is wrong with the folder.
    }
    let sizeBytes = 0;
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.safetensors')) sizeBytes += fileSize(join(dir, f));
    } catch {
      // unreadable folder: size unknown
    }
    return { ...base, modelType, supported: false, reason: err.message, sizeBytes };
  }
}

export function modelsService(ctx: ServiceContext): ModelHandlers {
  const store = new JsonStore<ModelsFile>(join(ctx.dataDir, 'models.json'), 'model index', () => ({ version: 1, models: [] }), (v) => {
    const f = v as Partial<ModelsFile> | null;
    if (typeof f !== 'object' || f === null || !Array.isArray(f.models)) return 'expected {"version": 1, "models": [...]}';
    if (f.models.some((m) => typeof m !== 'object' || m === null || typeof (m as ModelEntry).id !== 'string' || typeof (m as ModelEntry).path !== 'string')) return 'every model needs an "id" and a "path"';
    return undefined;
  });
  return {
    'models.list': async () => store.read().models.map((m) => (existsSync(m.path) ? m : { ...m, supported: false, reason: `the folder is gone: ${m.path}` })),
    'models.inspect': async ({ path }) => inspectModel(path),
    'models.add': async ({ path }) => {
      const index = store.read();
      const id = modelId(path);
      const previous = index.models.find((m) => m.id === id);
      // Re-adding a folder refreshes its entry (it may have been fixed since).
      const entry = inspectModel(path, previous?.addedAt);
      ctx.forgetModel(entry.path);
      const models = previous ? index.models.map((m) => (m.id === id ? entry : m)) : [...index.models, entry];
      store.write({ version: 1, models });
      return entry;
    },
    'models.remove': async ({ id }) => {
      const index = store.read();
      const kept = index.models.filter((m) => m.id !== id);
      if (kept.length === index.models.length) return { removed: false };
      // The index entry only: the user's folder is never touched.
      store.write({ version: 1, models: kept });
      return { removed: true };
    },
  };
}
