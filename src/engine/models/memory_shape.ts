import type { MemoryShape } from '../../shared/memory_estimate.js';
import type { LoadedModel } from './load_model.js';

/** The numbers the shared memory estimate needs, read from a loaded model. */
export function memoryShapeOf(model: LoadedModel): MemoryShape {
  const s = model.spec;
  let parameters = 0;
  let bytes = 0;
  for (const t of model.weights.tensors.values()) {
    parameters += t.shape.reduce((a, b) => a * b, 1);
    bytes += t.byteLength;
  }
  return {
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    numHeads: s.numHeads,
    numKvHeads: s.numKvHeads,
    headDim: s.headDim,
    intermediateSize: s.intermediateSize,
    vocabSize: s.vocabSize,
    tiedEmbeddings: s.tieWordEmbeddings,
    storedBytesPerParam: parameters > 0 ? bytes / parameters : 4,
    parameters,
  };
}
