import { optionalBoolean } from '../model_config.js';
import { llamaFamily } from './llama_family.js';
import { qwenSlidingWindow } from './qwen_layer_types.js';

/** Qwen3: per-head RMSNorm of q and k before RoPE, explicit head_dim (Qwen3Config's default 128), optional attention bias. */
export const qwen3 = llamaFamily({
  modelType: 'qwen3',
  defaultHeadDim: 128,
  parseExtras: (raw, file, numLayers) => {
    const bias = optionalBoolean(raw, 'attention_bias', false, file);
    return { qkvBias: bias, oBias: bias, mlpBias: false, qkNorm: true, slidingWindow: qwenSlidingWindow('qwen3', raw, file, numLayers) };
  },
});
