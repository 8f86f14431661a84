import { SpsError } from '../../../shared/errors.js';
import { optionalBoolean } from '../model_config.js';
import { llamaFamily } from './llama_family.js';

/**
 * Qwen2 / Qwen2.5: biases on q/k/v (not o). Checkpoints carry a `sliding_window` value that
 * only applies when `use_sliding_window` is true, which we refuse rather than mis-run.
 */
export const qwen2 = llamaFamily({
  modelType: 'qwen2',
  parseExtras: (raw, file) => {
    if (optionalBoolean(raw, 'use_sliding_window', false, file)) {
      throw new SpsError('UNSUPPORTED_MODEL', 'qwen2 with use_sliding_window=true is not supported', { location: { file, field: 'use_sliding_window' } });
    }
    return { qkvBias: true, oBias: false, mlpBias: false, qkNorm: false, slidingWindow: undefined };
  },
});
