import type { Graph } from '../onnx/graph.js';
import { externalDataRoot } from '../weights/weight_index.js';
import { GraphSession, type ProviderName } from './session.js';

export interface ModelSessionOptions {
  dtype: 'float32' | 'float64';
  provider?: ProviderName;
  /** Keep pre-packed weight copies (faster matmuls, more memory); onnxruntime's default is on. */
  prepack?: boolean;
}

/**
 * A session over a graph whose weights live in a model folder. One place for the rules every
 * runner shares: external weights resolved against the folder (a cache snapshot's repo
 * folder), and the float64 verification mode at the 'basic' optimisation level, since 'all'
 * fuses ops into float32-only kernels.
 */
export function createModelSession(graph: Graph, modelDir: string, opts: ModelSessionOptions): Promise<GraphSession> {
  return GraphSession.create(graph, {
    // The same root the graph's external-data paths were made relative to (a Hugging Face
    // cache snapshot is rooted at its repo folder, where blobs/ lies).
    externalDataFolder: externalDataRoot(modelDir),
    provider: opts.provider ?? 'cpu',
    optimizationLevel: opts.dtype === 'float64' ? 'basic' : 'all',
    ...(opts.prepack === false ? { disablePrepacking: true } : {}),
  });
}
