import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import type { LoadedModel } from '../models/load_model.js';
import { embeddingRowsReader } from './embedding_rows.js';
import { readSoftPrompt } from './prompt_file.js';
import { fromLabels, fromPrompt, fromText, randomUniform, sampledVocab } from './prompt_init.js';
import type { Rng } from './rng.js';
import type { SoftPrompt } from './soft_prompt.js';

/** The input embedding matrix's name per architecture family. */
function embeddingName(model: LoadedModel): string {
  return model.spec.modelType === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
}

/** The job's initial prompt (DESIGN.md "Initialisation"), drawing randomness from `rng`. */
export function initialPrompt(job: JobConfig, model: LoadedModel, rng: Rng, verbalizerIds?: readonly number[][]): SoftPrompt {
  const n = job.prompt.numVirtualTokens;
  const d = model.spec.hiddenSize;
  const rows = () => embeddingRowsReader(model.weights.get(embeddingName(model), [model.spec.vocabSize, d]));
  switch (job.prompt.init) {
    case 'random':
      return randomUniform(n, d, rng);
    case 'vocab': {
      const special = [model.tokenizer.bosTokenId, ...model.tokenizer.eosTokenIds, model.spec.bosTokenId, ...model.spec.eosTokenIds].filter((x): x is number => x !== undefined);
      return sampledVocab(n, d, rows(), model.spec.vocabSize, rng, { excludeIds: special });
    }
    case 'text': {
      // As PEFT: the init text's tokens with special tokens, cycled or truncated to n.
      const ids = model.tokenizer.encode(job.prompt.initText ?? '', { addSpecialTokens: true });
      if (ids.length === 0) throw new SpsError('INVALID_ARGUMENT', 'the init text has no tokens', { location: { field: 'prompt.initText' }, hint: 'give a short description of the task' });
      return fromText(n, d, ids, rows());
    }
    case 'labels':
      if (!verbalizerIds) throw new SpsError('INVALID_ARGUMENT', '"labels" initialisation needs a classification task', { location: { field: 'prompt.init' } });
      return fromLabels(n, d, verbalizerIds.map((v) => [...v]), rows());
    case 'file':
      return fromPrompt(readSoftPrompt(job.prompt.initFile!, d), n, d);
  }
}
