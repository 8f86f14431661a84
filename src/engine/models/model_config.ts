import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { readJsonFile } from '../files.js';

/** A parsed config.json / generation_config.json object, fields still unchecked. */
export type RawConfig = Record<string, unknown>;

const FOLDER_HINT = 'a Hugging Face model folder has config.json, model.safetensors and tokenizer.json';

export function configPath(modelDir: string): string {
  return join(resolve(modelDir), 'config.json');
}

/** Read a model folder's config.json (required). */
export function readModelConfig(modelDir: string): RawConfig {
  const file = configPath(modelDir);
  return asObject(readJsonFile(file, 'config.json', FOLDER_HINT), file);
}

/** Read generation_config.json if the folder has one (it is optional in Hugging Face folders). */
export function readGenerationConfig(modelDir: string): RawConfig | undefined {
  const file = join(resolve(modelDir), 'generation_config.json');
  if (!existsSync(file)) return undefined;
  return asObject(readJsonFile(file, 'generation_config.json'), file);
}

function asObject(value: unknown, file: string): RawConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SpsError('INVALID_CONFIG', 'expected a JSON object at the top level', { location: { file } });
  }
  return value as RawConfig;
}

function invalid(file: string, key: string, message: string): SpsError {
  return new SpsError('INVALID_CONFIG', message, {
    location: { file, field: key },
    hint: 'fix this field, or download config.json again if the model came from the Hugging Face Hub',
  });
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : `${typeof v} ${JSON.stringify(v)}`;
}

/** A required finite number. */
export function requireNumber(cfg: RawConfig, key: string, file: string): number {
  const v = cfg[key];
  if (v === undefined) throw invalid(file, key, `missing required field "${key}"`);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(file, key, `"${key}" must be a number, got ${describe(v)}`);
  return v;
}

/** A required integer ≥ `min` (sizes and counts: hidden_size, num_hidden_layers, …). */
export function requireInteger(cfg: RawConfig, key: string, file: string, min = 1): number {
  const v = requireNumber(cfg, key, file);
  if (!Number.isSafeInteger(v) || v < min) throw invalid(file, key, `"${key}" must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** An optional number; absent or null (common in HF configs) gives `dflt`. */
export function optionalNumber(cfg: RawConfig, key: string, dflt: number, file = 'config.json'): number {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(file, key, `"${key}" must be a number, got ${describe(v)}`);
  return v;
}

/** An optional integer ≥ `min`; absent or null gives `dflt`. */
export function optionalInteger(cfg: RawConfig, key: string, dflt: number, file = 'config.json', min = 1): number {
  const v = optionalNumber(cfg, key, dflt, file);
  if (!Number.isSafeInteger(v) || v < min) throw invalid(file, key, `"${key}" must be an integer ≥ ${min}, got ${v}`);
  return v;
}

export function requireString(cfg: RawConfig, key: string, file: string): string {
  const v = cfg[key];
  if (v === undefined) throw invalid(file, key, `missing required field "${key}"`);
  if (typeof v !== 'string') throw invalid(file, key, `"${key}" must be a string, got ${describe(v)}`);
  return v;
}

export function optionalString(cfg: RawConfig, key: string, dflt: string, file = 'config.json'): string {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw invalid(file, key, `"${key}" must be a string, got ${describe(v)}`);
  return v;
}

export function optionalBoolean(cfg: RawConfig, key: string, dflt: boolean, file = 'config.json'): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw invalid(file, key, `"${key}" must be true or false, got ${describe(v)}`);
  return v;
}

/**
 * Token-id fields such as eos_token_id are a single id or a list of ids (Llama 3 lists
 * several). Absent or null gives [].
 */
export function optionalIdList(cfg: RawConfig, key: string, file = 'config.json'): number[] {
  const v = cfg[key];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const id of list) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw invalid(file, key, `"${key}" must be a token id or a list of token ids, got ${describe(v)}`);
    }
  }
  return list as number[];
}
