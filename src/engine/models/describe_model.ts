import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { dtypeSize } from '../weights/safetensors_read.js';
import { openWeightIndex } from '../weights/weight_index.js';
import { configPath, readModelConfig } from './model_config.js';
import { architectureFor } from './registry.js';

/** What the model library shows about a folder, read from config.json and safetensors headers only. */
export interface ModelDescription {
  dir: string;
  name: string;
  /** config.json's model_type ('unknown' when it cannot be read). */
  modelType: string;
  /** config.json's architectures[0] (e.g. LlamaForCausalLM), else the model_type. */
  architecture: string;
  ready: boolean;
  /** Why the model cannot be used (when not ready): the first problem found, with what to do. */
  reason?: string;
  hiddenSize?: number;
  numLayers?: number;
  vocabSize?: number;
  contextLength?: number;
  parameters?: number;
  /** The weights' dtype: the one holding most parameters (F32, F16, BF16 …). */
  dtype?: string;
  /** Bytes of every file in the folder (symlinks followed, as in a Hugging Face cache snapshot). */
  diskBytes: number;
}

const TOKENIZER_HINT = 'a model folder needs tokenizer.json (and usually tokenizer_config.json); download them from the model page, or save them with transformers: AutoTokenizer.from_pretrained(dir).save_pretrained(dir)';

function folderBytes(dir: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const st = statSync(join(dir, name));
      if (st.isFile()) total += st.size;
    } catch {
      // a dangling symlink (blob removed from the cache): counts nothing
    }
  }
  return total;
}

/**
 * Describes a model folder cheaply: config.json (architecture, sizes, context) and the
 * safetensors headers (parameter count, dtype). The tokenizer is checked for presence, not
 * parsed, and no weight data is read. A folder that is there but cannot be used gets
 * `ready: false` and the reason; a path that is not a folder throws.
 */
export function describeModel(path: string): ModelDescription {
  const dir = resolve(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (err) {
    throw fileError(err, dir, 'model folder', 'pass the folder that holds config.json, model.safetensors and tokenizer.json');
  }
  if (!isDirectory) throw new SpsError('NOT_A_DIRECTORY', 'the model must be a folder, not a file', { location: { file: dir, field: 'path' }, hint: 'pass the folder that holds config.json, model.safetensors and tokenizer.json' });
  const out: ModelDescription = { dir, name: basename(dir), modelType: 'unknown', architecture: 'unknown', ready: false, diskBytes: folderBytes(dir) };
  try {
    const config = readModelConfig(dir);
    if (typeof config.model_type === 'string') out.modelType = config.model_type;
    const archs = config.architectures;
    out.architecture = Array.isArray(archs) && typeof archs[0] === 'string' ? archs[0] : out.modelType;
    const arch = architectureFor(config.model_type, configPath(dir));
    const spec = arch.parseConfig(config, configPath(dir));
    Object.assign(out, { hiddenSize: spec.hiddenSize, numLayers: spec.numLayers, vocabSize: spec.vocabSize, contextLength: spec.maxPositions });
    const weights = openWeightIndex(dir);
    const bytesByDtype = new Map<string, number>();
    let parameters = 0;
    for (const t of weights.tensors.values()) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      parameters += n;
      bytesByDtype.set(t.dtype, (bytesByDtype.get(t.dtype) ?? 0) + n * dtypeSize(t.dtype));
    }
    out.parameters = parameters;
    out.dtype = [...bytesByDtype.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    const tokFile = join(dir, 'tokenizer.json');
    if (!existsSync(tokFile)) {
      const only = existsSync(join(dir, 'tokenizer.model')) ? ' (the folder only has a SentencePiece tokenizer.model)' : '';
      throw new SpsError('FILE_NOT_FOUND', `missing tokenizer: tokenizer.json not found${only}`, { location: { file: tokFile }, hint: TOKENIZER_HINT });
    }
    out.ready = true;
  } catch (err) {
    if (!(err instanceof SpsError)) throw err;
    out.reason = err.message;
  }
  return out;
}
