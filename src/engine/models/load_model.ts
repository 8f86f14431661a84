import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { checkWeightLocations, openWeightIndex, type WeightIndex } from '../weights/weight_index.js';
import type { Architecture } from './architecture.js';
import { configPath, readModelConfig, type RawConfig } from './model_config.js';
import { architectureFor } from './registry.js';
import type { ModelSpec } from './spec.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';

/** A Hugging Face model folder, opened and checked: config, architecture, weights, tokenizer. */
export interface LoadedModel {
  dir: string;
  config: RawConfig;
  spec: ModelSpec;
  arch: Architecture;
  weights: WeightIndex;
  tokenizer: TextTokenizer;
}

export function loadModel(modelDir: string): LoadedModel {
  const dir = resolve(modelDir);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw fileError(err, dir, 'model folder', 'pass the folder that holds config.json, model.safetensors and tokenizer.json');
  }
  if (!isDir) {
    throw new SpsError('NOT_A_DIRECTORY', 'the model must be a folder, not a file', { location: { file: dir }, hint: 'pass the folder that holds config.json, model.safetensors and tokenizer.json' });
  }
  const config = readModelConfig(dir);
  const file = configPath(dir);
  const arch = architectureFor(config.model_type, file);
  const spec = arch.parseConfig(config, file);
  const weights = openWeightIndex(dir);
  checkWeightLocations(weights);
  const tokenizer = loadTokenizer(dir);
  return { dir, config, spec, arch, weights, tokenizer };
}
