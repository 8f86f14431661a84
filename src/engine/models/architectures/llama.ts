import { optionalBoolean } from '../model_config.js';
import { llamaFamily } from './llama_family.js';

/** Llama 1/2/3, SmolLM, TinyLlama, the llama2.c stories models. Optional attention/MLP biases. */
export const llama = llamaFamily({
  modelType: 'llama',
  parseExtras: (raw, file) => {
    const attentionBias = optionalBoolean(raw, 'attention_bias', false, file);
    return { qkvBias: attentionBias, oBias: attentionBias, mlpBias: optionalBoolean(raw, 'mlp_bias', false, file), qkNorm: false, slidingWindow: undefined };
  },
});
