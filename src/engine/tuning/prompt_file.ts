import { existsSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { readPromptJson } from '../export/json.js';
import { readNpyPrompt } from '../export/npy.js';
import { fileError, readJsonFile } from '../files.js';
import { readSafetensorsHeader, readTensorAsFloat64 } from '../weights/safetensors_read.js';
import { writeSafetensors } from '../weights/safetensors_write.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';

/** The tensor name PEFT uses for a prompt-tuning adapter's embeddings. */
export const PROMPT_TENSOR = 'prompt_embeddings';
const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
const ADAPTER_CONFIG = 'adapter_config.json';
/** The prompt inside a run's checkpoint folders (checkpoints/step-N, best, final). */
const CHECKPOINT_PROMPT = 'prompt.safetensors';

/**
 * Reads a soft prompt from a .safetensors file holding `prompt_embeddings` [n, d], a PEFT
 * adapter folder (its adapter_model.safetensors; an adapter_config.json path means its folder),
 * a run folder (its best prompt, else final) or one of its checkpoint folders, a NumPy .npy file (float32/float64, shape (n, d)) or an sps JSON prompt file
 * (export/json.ts). Any other extension is read as safetensors. With `expectDim`, the width
 * must match the model's hidden size.
 */
export function readSoftPrompt(path: string, expectDim?: number): SoftPrompt {
  let file = path;
  try {
    const target = basename(path) === ADAPTER_CONFIG ? dirname(path) : path;
    if (statSync(target).isDirectory()) {
      // A run folder means its best prompt (else final); a checkpoint folder its prompt file.
      if (existsSync(join(target, 'job.json'))) {
        const best = join(target, 'best', CHECKPOINT_PROMPT);
        return readSafetensorsPrompt(existsSync(best) ? best : join(target, 'final', CHECKPOINT_PROMPT), expectDim);
      }
      if (!existsSync(join(target, ADAPTER_WEIGHTS)) && existsSync(join(target, CHECKPOINT_PROMPT))) return readSafetensorsPrompt(join(target, CHECKPOINT_PROMPT), expectDim);
      file = join(target, ADAPTER_WEIGHTS);
      if (!existsSync(file)) {
        throw new SpsError('FILE_NOT_FOUND', `the folder has no ${ADAPTER_WEIGHTS}`, { location: { file: target }, hint: 'pass a PEFT prompt-tuning adapter folder or a .safetensors file with a prompt_embeddings tensor' });
      }
      return checkAdapterConfig(target, readSafetensorsPrompt(file, expectDim));
    }
  } catch (err) {
    if (err instanceof SpsError) throw err;
    throw fileError(err, path, 'soft prompt file');
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return readNpyPrompt(path, expectDim);
  if (ext === '.json') return readPromptJson(path, expectDim);
  return readSafetensorsPrompt(path, expectDim);
}

/**
 * An adapter folder's config, when present, must describe a causal-LM prompt-tuning adapter
 * whose size matches the tensor (PEFT itself would refuse to load anything else).
 */
function checkAdapterConfig(dir: string, p: SoftPrompt): SoftPrompt {
  const path = join(dir, ADAPTER_CONFIG);
  if (!existsSync(path)) return p;
  const cfg = readJsonFile(path, 'adapter config') as Record<string, unknown> | null;
  const hint = 'a PEFT prompt-tuning adapter for a causal LM has peft_type "PROMPT_TUNING", num_transformer_submodules 1 and matching num_virtual_tokens / token_dim';
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new SpsError('INVALID_CONFIG', 'the adapter config is not a JSON object', { location: { file: path }, hint });
  if (cfg.peft_type !== undefined && cfg.peft_type !== 'PROMPT_TUNING') {
    throw new SpsError('INVALID_CONFIG', `peft_type is ${JSON.stringify(cfg.peft_type)}; only "PROMPT_TUNING" adapters are soft prompts`, { location: { file: path, field: 'peft_type' }, hint });
  }
  const subs = cfg.num_transformer_submodules ?? 1;
  const expectRows = typeof cfg.num_virtual_tokens === 'number' && typeof subs === 'number' ? cfg.num_virtual_tokens * subs : undefined;
  if (expectRows !== undefined && expectRows !== p.numVirtualTokens) {
    throw new SpsError('TENSOR_MISMATCH', `the config says ${String(cfg.num_virtual_tokens)} virtual tokens × ${String(subs)} submodule(s) = ${expectRows} rows, but ${PROMPT_TENSOR} has ${p.numVirtualTokens}`, { location: { file: path, field: 'num_virtual_tokens' }, hint });
  }
  if (typeof cfg.token_dim === 'number' && cfg.token_dim !== p.dim) {
    throw new SpsError('TENSOR_MISMATCH', `the config says token_dim ${cfg.token_dim}, but ${PROMPT_TENSOR} is ${p.dim} wide`, { location: { file: path, field: 'token_dim' }, hint });
  }
  return p;
}

function readSafetensorsPrompt(file: string, expectDim: number | undefined): SoftPrompt {
  const st = readSafetensorsHeader(file);
  const info = st.tensors.get(PROMPT_TENSOR);
  if (!info) {
    throw new SpsError('MISSING_TENSOR', `no tensor named "${PROMPT_TENSOR}" (found: ${[...st.tensors.keys()].slice(0, 5).join(', ') || 'none'})`, { location: { file, field: PROMPT_TENSOR }, hint: 'a soft prompt file holds one tensor prompt_embeddings [num_virtual_tokens, hidden_size]' });
  }
  if (info.shape.length !== 2) {
    throw new SpsError('TENSOR_MISMATCH', `${PROMPT_TENSOR} has shape [${info.shape.join(', ')}], expected [num_virtual_tokens, hidden_size]`, { location: { file, field: PROMPT_TENSOR } });
  }
  const [n, d] = info.shape as [number, number];
  if (expectDim !== undefined && d !== expectDim) {
    throw new SpsError('TENSOR_MISMATCH', `the soft prompt is ${d} wide but the model's hidden size is ${expectDim}`, { location: { file, field: PROMPT_TENSOR }, hint: 'use a prompt trained for this model (its width must equal hidden_size)' });
  }
  if (n < 1) throw new SpsError('TENSOR_MISMATCH', `${PROMPT_TENSOR} has no virtual tokens`, { location: { file, field: PROMPT_TENSOR } });
  return softPrompt(n, d, readTensorAsFloat64(info));
}

/** Writes `prompt_embeddings` [n, d] as F32 (PEFT's format), or F64 to keep full precision. */
export function writeSoftPrompt(path: string, p: SoftPrompt, dtype: 'F32' | 'F64' = 'F32', flag: 'w' | 'wx' = 'w'): void {
  const data = dtype === 'F32' ? Float32Array.from(p.data) : p.data;
  writeSafetensors(path, [{ name: PROMPT_TENSOR, dtype, shape: [p.numVirtualTokens, p.dim], data }], { format: 'pt' }, flag);
}
