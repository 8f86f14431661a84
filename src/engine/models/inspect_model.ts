import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelEntry } from '../../shared/api.js';
import { SpsError } from '../../shared/errors.js';
import { fileError, readJsonFile } from '../files.js';
import { loadModel } from './load_model.js';
import { modelId } from './model_id.js';
import { memoryShapeOf } from './memory_shape.js';


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
    return { ...base, modelType, supported: false, reason: err.message, sizeBytes: safetensorsBytes(dir) };
  }
}

/** The size of a folder's *.safetensors files (0 when unreadable): what a model costs in memory. */
export function safetensorsBytes(dir: string): number {
  let sizeBytes = 0;
  try {
    for (const f of readdirSync(dir)) if (f.endsWith('.safetensors')) sizeBytes += fileSize(join(dir, f));
  } catch {
    // unreadable folder: size unknown
  }
  return sizeBytes;
}
