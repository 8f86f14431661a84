import type { LoadedModel } from '../models/load_model.js';

/**
 * Tokens that end a generation: the model's end-of-sequence ids (config, generation config,
 * tokenizer) and its beginning-of-sequence id, because a model that emits BOS has started a
 * new document (llama2.c's stories models end every story that way and never emit EOS).
 */
export function stopTokenIds(model: LoadedModel): number[] {
  const ids = [...model.spec.eosTokenIds, ...model.tokenizer.eosTokenIds];
  const bos = model.spec.bosTokenId ?? model.tokenizer.bosTokenId;
  if (bos !== undefined) ids.push(bos);
  return [...new Set(ids)];
}
