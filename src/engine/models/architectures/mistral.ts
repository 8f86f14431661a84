import { optionalInteger } from '../model_config.js';
import { llamaFamily } from './llama_family.js';

/** Mistral: Llama blocks plus an optional sliding attention window (null in later releases). */
export const mistral = llamaFamily({
  modelType: 'mistral',
  parseExtras: (raw, file) => {
    const window = raw.sliding_window === null || raw.sliding_window === undefined ? undefined : optionalInteger(raw, 'sliding_window', 0, file);
    return { qkvBias: false, oBias: false, mlpBias: false, qkNorm: false, slidingWindow: window };
  },
});
