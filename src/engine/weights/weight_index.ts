import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError, readJsonFile } from '../files.js';
import { readSafetensorsHeader, type SafetensorsFile, type TensorInfo } from './safetensors_read.js';
import { editDistance } from '../../shared/edit_distance.js';

export interface WeightIndex {
  /** Absolute model folder. */
  dir: string;
  /** Absolute paths of the weight files (one, or the shards). */
  files: string[];
  tensors: Map<string, TensorInfo>;
  /**
   * Look up a tensor; with `expectShape`, also check its shape. `context` says what the
   * tensor is for (e.g. "layer 3 attention") so errors can say it.
   */
  get(name: string, expectShape?: readonly number[], context?: string): TensorInfo;
}

const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';

/** Open a Hugging Face model folder's weights: `model.safetensors` or a sharded index. */
export function openWeightIndex(modelDir: string): WeightIndex {
  const dir = resolve(modelDir);
  checkDir(dir);
  const indexPath = join(dir, INDEX);
  const singlePath = join(dir, SINGLE);
  let tensors: Map<string, TensorInfo>;
  let files: string[];
  if (existsSync(indexPath)) {
    ({ tensors, files } = readSharded(dir, indexPath));
  } else if (existsSync(singlePath)) {
    tensors = readSafetensorsHeader(singlePath).tensors;
    files = [singlePath];
  } else {
    throw noWeights(dir);
  }
  return { dir, files, tensors, get: (name, expectShape, context) => getTensor(dir, tensors, name, expectShape, context) };
}

function checkDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw fileError(err, dir, 'model folder');
  }
  if (!isDir) throw new SpsError('NOT_A_DIRECTORY', 'expected a model folder, got a file', { location: { file: dir }, hint: 'pass the folder that holds config.json and the weights' });
}

function noWeights(dir: string): SpsError {
  const present = safeList(dir);
  const pytorch = present.filter((f) => /\.(bin|pt|pth|ckpt)$/i.test(f));
  const otherSafetensors = present.filter((f) => f.endsWith('.safetensors'));
  let hint = `a model folder needs ${SINGLE}, or ${INDEX} plus its shards`;
  if (pytorch.length > 0) {
    hint += `; found PyTorch weights (${pytorch.slice(0, 3).join(', ')}), which are not supported — convert them to safetensors (e.g. load with transformers and save_pretrained(dir, safe_serialization=True))`;
  } else if (otherSafetensors.length > 0) {
    hint += `; found ${otherSafetensors.slice(0, 3).join(', ')} but no ${INDEX} saying which tensors they hold`;
  }
  return new SpsError('FILE_NOT_FOUND', 'no weights found in the model folder', { location: { file: dir }, hint });
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readSharded(dir: string, indexPath: string): { tensors: Map<string, TensorInfo>; files: string[] } {
  const raw = readJsonFile(indexPath, 'weight index');
  const weightMap = (raw as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new SpsError('INVALID_SAFETENSORS', 'the index has no "weight_map" object (tensor name → shard file)', {
      location: { file: indexPath, field: 'weight_map' },
      hint: 'download the index file again',
    });
  }
  const shards = new Map<string, SafetensorsFile>();
  const tensors = new Map<string, TensorInfo>();
  for (const [name, shardName] of Object.entries(weightMap)) {
    if (typeof shardName !== 'string') {
      throw new SpsError('INVALID_SAFETENSORS', `weight_map entry for "${name}" must be a file name`, { location: { file: indexPath, field: `weight_map.${name}` } });
    }
    let shard = shards.get(shardName);
    if (!shard) {
      const shardPath = shardFile(dir, indexPath, shardName);
      if (!existsSync(shardPath)) {
        throw new SpsError('FILE_NOT_FOUND', `shard "${shardName}" listed in the index is missing`, {
          location: { file: shardPath, field: `weight_map.${name}` },
          hint: 'the download is incomplete; fetch every model-*.safetensors file listed in the index',
        });
      }
      shard = readSafetensorsHeader(shardPath);
      shards.set(shardName, shard);
    }
    const info = shard.tensors.get(name);
    if (!info) {
      throw new SpsError('MISSING_TENSOR', `tensor "${name}" is listed in the index under "${shardName}" but that shard does not contain it`, {
        location: { file: shard.path, field: name },
        hint: 'the index and shards come from different versions of the model; download them again together',
      });
    }
    tensors.set(name, info);
  }
  return { tensors, files: [...shards.values()].map((s) => s.path) };
}

/** Shards must be plain relative paths inside the folder (the index is untrusted input). */
function shardFile(dir: string, indexPath: string, shardName: string): string {
  const parts = shardName.split(/[\\/]/);
  if (shardName === '' || isAbsolute(shardName) || /^[a-zA-Z]:/.test(shardName) || parts.includes('..')) {
    throw new SpsError('INVALID_SAFETENSORS', `shard path "${shardName}" points outside the model folder`, {
      location: { file: indexPath, field: 'weight_map' },
      hint: 'shard names must be file names inside the model folder',
    });
  }
  return join(dir, ...parts);
}

function getTensor(dir: string, tensors: Map<string, TensorInfo>, name: string, expectShape?: readonly number[], context?: string): TensorInfo {
  const info = tensors.get(name);
  const what = context ? ` (${context})` : '';
  if (!info) {
    const similar = similarNames(name, [...tensors.keys()], 3);
    throw new SpsError('MISSING_TENSOR', `tensor "${name}"${what} is not in the model weights`, {
      location: { file: dir, field: name },
      hint: similar.length > 0 ? `similar names: ${similar.join(', ')}` : 'the weights do not match this architecture; check config.json model_type',
    });
  }
  if (expectShape && (expectShape.length !== info.shape.length || expectShape.some((d, i) => d !== info.shape[i]))) {
    throw new SpsError('TENSOR_MISMATCH', `tensor "${name}"${what} has shape [${info.shape.join(', ')}], expected [${expectShape.join(', ')}]`, {
      location: { file: info.file, field: name },
      hint: 'config.json does not match the weights (check hidden_size, num_attention_heads, num_key_value_heads, vocab_size)',
    });
  }
  return info;
}

/** The `count` names closest to `name` by edit distance. */
export function similarNames(name: string, names: readonly string[], count: number): string[] {
  return names
    .map((n) => ({ n, d: editDistance(name, n) }))
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, count)
    .map((x) => x.n);
}

/**
 * The folder that ONNX external-data paths are relative to (the session's
 * `model_external_initializers_file_folder_path`). onnxruntime refuses external paths that
 * leave that folder once symlinks are resolved. A plain model folder is its own root; a
 * Hugging Face cache snapshot (`<repo>/snapshots/<revision>`, whose files are symlinks into
 * `<repo>/blobs/`) is rooted at the cache repo folder, so its weights are memory-mapped from
 * the blobs where they lie, not copied.
 */
export function externalDataRoot(modelDir: string): string {
  let realDir: string;
  try {
    realDir = realpathSync(modelDir);
  } catch (err) {
    throw fileError(err, modelDir, 'model folder');
  }
  const snapshots = dirname(realDir);
  const repo = dirname(snapshots);
  if (basename(snapshots) === 'snapshots' && existsSync(join(repo, 'blobs'))) return repo;
  return realDir;
}

/**
 * Path of the tensor's file relative to `externalDataRoot(index.dir)`, as ONNX external data
 * needs.
 */
export function relativeWeightPath(index: WeightIndex, info: TensorInfo): string {
  return externalLocation(index.dir, info.file);
}

/**
 * Checks up front that onnxruntime will accept every weight file of the folder (so loading
 * fails with the reason, not the first session).
 */
export function checkWeightLocations(index: WeightIndex): void {
  for (const file of index.files) externalLocation(index.dir, file);
}

/**
 * A symlink that resolves outside the external-data root (anywhere but the cache repo folder
 * for a snapshot) is refused here, with what to do, before onnxruntime refuses it.
 */
function externalLocation(modelDir: string, file: string): string {
  const root = externalDataRoot(modelDir);
  let realFile: string;
  try {
    realFile = realpathSync(file);
  } catch (err) {
    throw fileError(err, file, 'weights file');
  }
  const rel = relative(root, realFile);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) {
    const where = root === realpathSync(modelDir) ? 'the model folder' : `the Hugging Face cache repo folder ${root}`;
    throw new SpsError('UNSUPPORTED_MODEL', `weights file resolves to ${realFile}, outside ${where} (it is a symlink)`, {
      location: { file },
      hint: `onnxruntime only reads weights inside ${where}; copy the model folder with real files, e.g. \`cp -rL <model-folder> <new-folder>\`, or download it again`,
    });
  }
  // ONNX external-data locations use '/' on every platform.
  return rel.split(sep).join('/');
}
