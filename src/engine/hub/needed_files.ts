import { SpsError } from '../../shared/errors.js';
import type { RepoFile } from './hub_api.js';

/** Files a model folder needs besides its weights (each taken when the repo has it). */
const SIDE_FILES = new Set([
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'chat_template.jinja',
  'chat_template.json',
]);
const SINGLE = 'model.safetensors';
const INDEX = 'model.safetensors.index.json';
const SHARD = /^model-\d+-of-\d+\.safetensors$/;

/**
 * The files of a repo that a model folder needs: config, tokenizer files and the safetensors
 * weights (one file, or the index and its shards), all at the repo's top level. Anything
 * else (PyTorch/GGUF/ONNX copies, other folders) is left on the Hub. A repo without
 * safetensors weights or without config.json is refused before anything is downloaded.
 */
export function neededFiles(repoId: string, files: readonly RepoFile[]): RepoFile[] {
  const top = files.filter((f) => !f.path.includes('/'));
  const names = new Set(top.map((f) => f.path));
  if (!names.has('config.json')) throw new SpsError('UNSUPPORTED_MODEL', `${repoId} has no config.json at its top level, so it is not a transformers model folder`, { location: { field: 'repoId' }, hint: 'pick a repo whose "Files" tab shows config.json and model.safetensors' });
  let weights: RepoFile[];
  if (names.has(SINGLE)) weights = top.filter((f) => f.path === SINGLE);
  else if (names.has(INDEX)) weights = top.filter((f) => f.path === INDEX || SHARD.test(f.path));
  else {
    const other = top.filter((f) => /\.(bin|pt|pth|gguf|onnx)$/.test(f.path)).map((f) => f.path);
    throw new SpsError('UNSUPPORTED_MODEL', `${repoId} has no safetensors weights (${SINGLE} or ${INDEX})${other.length ? `; it has ${other.slice(0, 3).join(', ')}` : ''}`, { location: { field: 'repoId' }, hint: 'only safetensors weights are supported; look for a safetensors version of this model' });
  }
  if (!names.has('tokenizer.json')) throw new SpsError('UNSUPPORTED_MODEL', `${repoId} has no tokenizer.json`, { location: { field: 'repoId' }, hint: 'the app needs a fast tokenizer (tokenizer.json); look for a version of this model that has one' });
  return [...top.filter((f) => SIDE_FILES.has(f.path)), ...weights];
}
