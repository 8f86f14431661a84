import type { CatalogueEntry } from '../../shared/api.js';
/** Models known to work with the engine, offered for download (never fetched unless asked): the API's entry without its cache state. */
export type CatalogueModel = Omit<CatalogueEntry, 'downloaded'>;

export const CATALOGUE: readonly CatalogueModel[] = [
  { repoId: 'HuggingFaceTB/SmolLM2-135M', parameters: 135e6, approxBytes: 270e6, instruct: false, gated: false, license: 'apache-2.0' },
  { repoId: 'HuggingFaceTB/SmolLM2-135M-Instruct', parameters: 135e6, approxBytes: 270e6, instruct: true, gated: false, license: 'apache-2.0' },
  { repoId: 'HuggingFaceTB/SmolLM2-360M', parameters: 362e6, approxBytes: 724e6, instruct: false, gated: false, license: 'apache-2.0' },
  { repoId: 'HuggingFaceTB/SmolLM2-360M-Instruct', parameters: 362e6, approxBytes: 724e6, instruct: true, gated: false, license: 'apache-2.0' },
  { repoId: 'Qwen/Qwen2.5-0.5B', parameters: 494e6, approxBytes: 988e6, instruct: false, gated: false, license: 'apache-2.0' },
  { repoId: 'Qwen/Qwen2.5-0.5B-Instruct', parameters: 494e6, approxBytes: 988e6, instruct: true, gated: false, license: 'apache-2.0' },
  { repoId: 'Qwen/Qwen3-0.6B', parameters: 596e6, approxBytes: 1.5e9, instruct: true, gated: false, license: 'apache-2.0' },
  { repoId: 'meta-llama/Llama-3.2-1B', parameters: 1.24e9, approxBytes: 2.47e9, instruct: false, gated: true, license: 'llama3.2', note: 'gated: accept the licence on the model page and use a token' },
  { repoId: 'meta-llama/Llama-3.2-1B-Instruct', parameters: 1.24e9, approxBytes: 2.47e9, instruct: true, gated: true, license: 'llama3.2', note: 'gated: accept the licence on the model page and use a token' },
  { repoId: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0', parameters: 1.1e9, approxBytes: 2.2e9, instruct: true, gated: false, license: 'apache-2.0' },
  { repoId: 'openai-community/gpt2', parameters: 124e6, approxBytes: 548e6, instruct: false, gated: false, license: 'mit' },
];
