import { SpsError } from '../../shared/errors.js';
import type { Architecture } from './architecture.js';
import { gpt2 } from './architectures/gpt2.js';
import { llama } from './architectures/llama.js';
import { mistral } from './architectures/mistral.js';
import { qwen2 } from './architectures/qwen2.js';
import { qwen3 } from './architectures/qwen3.js';

/** Supported architectures keyed by config.json's `model_type`. */
export const ARCHITECTURES: ReadonlyMap<string, Architecture> = new Map([llama, mistral, qwen2, qwen3, gpt2].map((a) => [a.modelType, a]));

export function architectureFor(modelType: unknown, file: string): Architecture {
  const supported = [...ARCHITECTURES.keys()].join(', ');
  if (typeof modelType !== 'string') {
    throw new SpsError('INVALID_CONFIG', 'config.json has no "model_type"', { location: { file, field: 'model_type' }, hint: `supported model types: ${supported}` });
  }
  const arch = ARCHITECTURES.get(modelType);
  if (!arch) {
    throw new SpsError('UNSUPPORTED_MODEL', `model_type "${modelType}" is not supported`, { location: { file, field: 'model_type' }, hint: `supported model types: ${supported}` });
  }
  return arch;
}
