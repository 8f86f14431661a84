import { rowCount } from '../graphs/rows.js';
import { BYTES_PER_ELEMENT } from '../onnx/dtype.js';
import { buildHeadNormGraph, buildHeadSliceGraph } from '../graphs/layerwise/head_graphs.js';
import { buildLayerForwardGraph, type FedGraph } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import type { Traffic } from '../runtime/traffic.js';
import { feedDTypeOf } from '../weights/weight_stream.js';
import { headChunkRows, headSliceRows } from './head_chunks.js';
import { lastLayerKeepsRows } from './layer_stack.js';

/** What decides a step's host↔device traffic: sizes of one layer's and the head's fed weights. */
export interface TrafficShape {
  hiddenSize: number;
  numLayers: number;
  vocabSize: number;
  /** Bytes one layer's weights are fed in (their feed dtypes: BF16 widened to float32). */
  layerWeightBytes: number;
  /** Bytes of the final norm's weights as fed. */
  normWeightBytes: number;
  /** Bytes of the LM head matrix [V, d] as fed (in vocabulary slices). */
  headWeightBytes: number;
}


function fedBytes(fg: FedGraph): number {
  const dtypes = new Map(fg.graph.inputs.map((v) => [v.name, v.dtype]));
  return fg.fed.reduce((a, f) => a + f.shape.reduce((x, y) => x * y, 1) * BYTES_PER_ELEMENT[dtypes.get(f.input)!], 0);
}

export function trafficShapeOf(model: LoadedModel): TrafficShape {
  const s = model.spec;
  const head = buildHeadSliceGraph(model, { dtype: 'float32', kind: 'grad' }).head;
  return {
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    vocabSize: s.vocabSize,
    layerWeightBytes: fedBytes(buildLayerForwardGraph(model, { dtype: 'float32', numVirtualTokens: 0 })),
    normWeightBytes: fedBytes(buildHeadNormGraph(model, { dtype: 'float32' })),
    headWeightBytes: s.vocabSize * s.hiddenSize * BYTES_PER_ELEMENT[feedDTypeOf(head.dtype, head.name, head.file)],
  };
}

export interface TrafficWorkload {
  batch: number;
  /** Tokens per sequence (all the same length: no padding), without the virtual tokens. */
  seqLen: number;
  virtualTokens: number;
  labelRows: number;
  dtype: 'float32' | 'float64';
  headChunkRows?: number;
  headSliceRows?: number;
}

/**
 * Host↔device bytes of one layer-wise train step (LayerwiseTrainStep), as GraphSession counts
 * them. `onDevice`: weights already resident and hidden states kept on the device between
 * layers (WebGPU after the first step); otherwise every run is fed from the host (the CPU
 * provider, CUDA, or WebGPU with no weight budget). Checked against the measured count in
 * test/integration/layerwise/step_traffic.test.ts and test/integration/webgpu.
 */
export function layerwiseStepTraffic(shape: TrafficShape, w: TrafficWorkload, onDevice: boolean): Traffic {
  const dt = BYTES_PER_ELEMENT[w.dtype];
  const d = shape.hiddenSize;
  // Hidden states: the prompt's rows once, then every sequence's tokens (graphs/rows.ts); the
  // mask covers the tokens.
  const hidden = rowCount(w.virtualTokens, w.batch, w.seqLen) * d * dt;
  const mask = w.batch * w.seqLen * 8;
  const L = shape.numLayers;
  const K = w.labelRows;
  const S = Math.min(shape.vocabSize, w.headSliceRows ?? headSliceRows(shape.vocabSize, d, w.dtype));
  const R = w.headChunkRows ?? headChunkRows(S, w.dtype);
  const slices = Math.ceil(shape.vocabSize / S);
  const chunks = Math.ceil(K / R);
  const rows = K * d * dt;
  // Head: the final norm (rows in, normed rows out); every vocabulary slice × row chunk (normed
  // rows and label ids in; max, Σ exp, label logit and Σ exp·W per row out); the norm's
  // backward (rows and their gradient in, the gradient out). From the host, the norm weights
  // go with both norm runs and each slice of the head matrix with each of its chunks.
  const headWeights = onDevice ? 0 : 2 * shape.normWeightBytes + chunks * shape.headWeightBytes;
  const headSent = rows + slices * K * (d * dt + 8) + 2 * rows + headWeights;
  const headFetched = rows + slices * K * (3 + d) * dt + rows;
  const headRuns = 2 + slices * chunks;
  // The last layer runs on the label rows where they are few (layer_stack.ts): their ids go in
  // with its forward and its backward, its output and the gradient fed back are [K, d];
  // otherwise it runs whole.
  const kept = lastLayerKeepsRows(K, rowCount(w.virtualTokens, w.batch, w.seqLen));
  const rowIds = kept ? K * 8 : 0;
  const top = kept ? rows : hidden;
  if (onDevice) {
    // Uploads: the mask, the row ids, h0, the top gradient; downloads: the top state, d loss / d h0.
    return { sentBytes: mask + rowIds + hidden + top + headSent, fetchedBytes: hidden + top + headFetched, runs: 2 * L + 5 + (kept ? 1 : 0) + headRuns };
  }
  // Forward: hidden + mask + weights in, hidden out; backward: hidden + grad + mask + weights in,
  // grad out; the last layer's top and top gradient are `top`.
  const sent = L * (hidden + mask + shape.layerWeightBytes) + L * (2 * hidden + mask + shape.layerWeightBytes) - hidden + top + 2 * rowIds + headSent;
  return { sentBytes: sent, fetchedBytes: (2 * L - 1) * hidden + top + headFetched, runs: 2 * L + headRuns };
}

/**
 * Host↔device bytes of one keep-everything step (graphs/train_step.ts): token ids, mask, label
 * rows and targets, the prompt (and the loss scale) in; the loss and the prompt's gradient out.
 * Its weights are the session's initializers: uploaded once when the session is made
 * (the whole model in float32 on a GPU provider), never per step.
 */
export function keepStepTraffic(shape: Pick<TrafficShape, 'hiddenSize'>, w: Omit<TrafficWorkload, 'headChunkRows' | 'headSliceRows'> & { lossScale?: boolean }): Traffic {
  const dt = BYTES_PER_ELEMENT[w.dtype];
  const tokens = w.batch * w.seqLen;
  const prompt = w.virtualTokens * shape.hiddenSize * dt;
  return { sentBytes: 2 * tokens * 8 + 2 * w.labelRows * 8 + prompt + (w.lossScale ? dt : 0), fetchedBytes: dt + prompt, runs: 1 };
}
