import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ApiHandlers, ModelEntry } from '../shared/api.js';
import { modelId } from '../engine/models/model_id.js';
import type { ServiceContext } from './context.js';
import { JsonStore } from './store.js';

type ModelHandlers = Pick<ApiHandlers, 'models.list' | 'models.add' | 'models.inspect' | 'models.remove'>;

interface ModelsFile {
  version: 1;
  models: ModelEntry[];
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
    // Inspection opens the folder afresh each time: the general worker does it, no model stays loaded.
    'models.inspect': async ({ path }) => ctx.inference.call('', 'inspectModel', { path: resolve(path) }),
    'models.add': async ({ path }) => {
      const index = store.read();
      const id = modelId(path);
      const previous = index.models.find((m) => m.id === id);
      // Re-adding a folder refreshes its entry (it may have been fixed since); a warm worker
      // that had it open opens it again.
      ctx.inference.forget(ctx.modelKey(path));
      const entry = await ctx.inference.call('', 'inspectModel', { path: resolve(path), ...(previous ? { addedAt: previous.addedAt } : {}) });
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
