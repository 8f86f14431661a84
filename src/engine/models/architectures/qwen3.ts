import { SpsError } from '../../../shared/errors.js';
import { optionalBoolean } from '../model_config.js';
import { llamaFamily } from './llama_family.js';

/** Qwen3: per-head RMSNorm of q and k before RoPE, explicit head_dim, optional attention bias. */
export const qwen3 = llamaFamily({
  modelType: 'qwen3',
  parseExtras: (raw, file) => {
    if (optionalBoolean(raw, 'use_sliding_window', false, file)) {
      throw new SpsError('UNSUPPORTED_MODEL', 'qwen3 with use_sliding_window=true is not supported', { location: { file, field: 'use_sliding_window' } });
    }
    const bias = optionalBoolean(raw, 'attention_bias', false, file);
    return { qkvBias: bias, oBias: bias, mlpBias: false, qkNorm: true, slidingWindow: undefined };
  },
});
