import { llamaFamily } from './llama_family.js';
import { qwenSlidingWindow } from './qwen_layer_types.js';

/**
 * Qwen2 / Qwen2.5: biases on q/k/v (not o). Checkpoints carry a `sliding_window` value that
 * only applies when `use_sliding_window` is true (see qwen_layer_types.ts).
 */
export const qwen2 = llamaFamily({
  modelType: 'qwen2',
  parseExtras: (raw, file, numLayers) => ({ qkvBias: true, oBias: false, mlpBias: false, qkNorm: false, slidingWindow: qwenSlidingWindow('qwen2', raw, file, numLayers) }),
});
