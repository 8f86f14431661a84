import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { writeSoftPrompt } from '../tuning/prompt_file.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';

/**
 * A bare safetensors file with one tensor `prompt_embeddings` [n, d], metadata
 * {"format":"pt"}: F32 (what PEFT and most tools expect) or F64 (lossless).
 */
export function writePromptSafetensors(path: string, p: SoftPrompt, dtype: 'F32' | 'F64' = 'F32'): void {
  if (dtype !== 'F32' && dtype !== 'F64') throw new SpsError('INVALID_ARGUMENT', `safetensors dtype must be F32 or F64, got ${String(dtype)}`, { location: { field: 'dtype' } });
  try {
    // Exports are new files, created exclusively: never through a symlink, never over a file.
    writeSoftPrompt(path, p, dtype, 'wx');
  } catch (err) {
    if (err instanceof SpsError) throw err;
    throw fileError(err, path, 'safetensors output file');
  }
}
