import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import type { ModelSpec } from '../models/spec.js';
import { writeSoftPrompt } from '../tuning/prompt_file.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * A Hugging Face PEFT prompt-tuning adapter folder (DESIGN.md §5): adapter_config.json plus
 * adapter_model.safetensors holding one F32 tensor `prompt_embeddings` [n, hidden], metadata
 * {"format":"pt"}. `PeftModel.from_pretrained(base, folder)` loads it.
 *
 * The config has every key PEFT 0.21's PromptTuningConfig serialises (save_pretrained), so
 * the file looks like one PEFT wrote. prompt_tuning_init is "RANDOM": it only matters when
 * PEFT *creates* a prompt; loading replaces the embedding with ours either way, and "TEXT"
 * would require a tokenizer_name_or_path PEFT can resolve.
 */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** The PEFT version whose PromptTuningConfig keys we mirror. */
export const PEFT_VERSION = '0.21.0';

export interface PeftPromptTuningConfig {
  auto_mapping: null;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
  modules_to_save: null;
  num_attention_heads: number;
  num_layers: number;
  num_transformer_submodules: 1;
  num_virtual_tokens: number;
  peft_type: 'PROMPT_TUNING';
  peft_version: string;
  prompt_tuning_init: 'RANDOM';
  prompt_tuning_init_text: null;
  revision: null;
  task_type: 'CAUSAL_LM';
  token_dim: number;
  tokenizer_kwargs: null;
  tokenizer_name_or_path: null;
}

export function peftAdapterConfig(p: SoftPrompt, spec: Pick<ModelSpec, 'hiddenSize' | 'numLayers' | 'numHeads'>, baseModel: string | null): PeftPromptTuningConfig {
  if (p.dim !== spec.hiddenSize) {
    throw new SpsError('TENSOR_MISMATCH', `the soft prompt is ${p.dim} wide but the model's hidden size is ${spec.hiddenSize}`, { location: { field: 'token_dim' }, hint: 'export with the model the prompt was trained for' });
  }
  // Keys in the order PEFT writes them (sorted), so a diff against a PEFT-made folder is clean.
  return {
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    inference_mode: true,
    modules_to_save: null,
    num_attention_heads: spec.numHeads,
    num_layers: spec.numLayers,
    num_transformer_submodules: 1,
    num_virtual_tokens: p.numVirtualTokens,
    peft_type: 'PROMPT_TUNING',
    peft_version: PEFT_VERSION,
    prompt_tuning_init: 'RANDOM',
    prompt_tuning_init_text: null,
    revision: null,
    task_type: 'CAUSAL_LM',
    token_dim: p.dim,
    tokenizer_kwargs: null,
    tokenizer_name_or_path: null,
  };
}

/** Writes the adapter folder (created if needed); returns the two file paths. */
export function writePeftAdapter(dir: string, p: SoftPrompt, spec: Pick<ModelSpec, 'hiddenSize' | 'numLayers' | 'numHeads'>, baseModel: string | null): string[] {
  const config = peftAdapterConfig(p, spec, baseModel);
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new SpsError('NOT_A_DIRECTORY', 'a PEFT adapter is a folder, but this path is a file', { location: { file: dir, field: '--out' }, hint: 'choose a folder path for --out' });
    }
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, ADAPTER_CONFIG_FILE);
    const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE);
    // Created exclusively: never through a symlink, never over a file.
    writeSoftPrompt(weightsPath, p, 'F32', 'wx');
    writeFileSync(configPath, JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
    return [configPath, weightsPath];
  } catch (err) {
    if (err instanceof SpsError) throw err;
    throw fileError(err, dir, 'PEFT adapter folder');
  }
}
