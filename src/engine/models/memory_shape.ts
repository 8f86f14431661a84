import type { MemoryShape } from '../../shared/memory_estimate.js';
import { feedByteLength } from '../weights/weight_stream.js';
import type { LoadedModel } from './load_model.js';

const FED_DTYPES = new Set(['F32', 'BF16', 'F16', 'F64']);

/** The numbers the shared memory estimate needs, read from a loaded model. */
export function memoryShapeOf(model: LoadedModel): MemoryShape {
  const s = model.spec;
  let parameters = 0;
  let bytes = 0;
  let fedBytes = 0;
  for (const t of model.weights.tensors.values()) {
    parameters += t.shape.reduce((a, b) => a * b, 1);
    bytes += t.byteLength;
    // Tensors no session is fed (a non-float buffer) are counted as stored.
    fedBytes += FED_DTYPES.has(t.dtype) ? feedByteLength(t) : t.byteLength;
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
    feedBytesPerParam: parameters > 0 ? fedBytes / parameters : 4,
  };
}
