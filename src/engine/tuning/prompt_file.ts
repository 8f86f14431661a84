import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { readSafetensorsHeader, readTensorAsFloat64 } from '../weights/safetensors_read.js';
import { writeSafetensors } from '../weights/safetensors_write.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';

/** The tensor name PEFT uses for a prompt-tuning adapter's embeddings. */
export const PROMPT_TENSOR = 'prompt_embeddings';
const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/**
 * Reads a soft prompt from a .safetensors file holding `prompt_embeddings` [n, d], or from a
 * PEFT adapter folder (its adapter_model.safetensors). With `expectDim`, the width must match
 * the model's hidden size.
 */
export function readSoftPrompt(path: string, expectDim?: number): SoftPrompt {
  let file = path;
  try {
    if (statSync(path).isDirectory()) {
      file = join(path, ADAPTER_WEIGHTS);
      if (!existsSync(file)) {
        throw new SpsError('FILE_NOT_FOUND', `the folder has no ${ADAPTER_WEIGHTS}`, { location: { file: path }, hint: 'pass a PEFT prompt-tuning adapter folder or a .safetensors file with a prompt_embeddings tensor' });
      }
    }
  } catch (err) {
    if (err instanceof SpsError) throw err;
    throw fileError(err, path, 'soft prompt file');
  }
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
export function writeSoftPrompt(path: string, p: SoftPrompt, dtype: 'F32' | 'F64' = 'F32'): void {
  const data = dtype === 'F32' ? Float32Array.from(p.data) : p.data;
  writeSafetensors(path, [{ name: PROMPT_TENSOR, dtype, shape: [p.numVirtualTokens, p.dim], data }], { format: 'pt' });
}
