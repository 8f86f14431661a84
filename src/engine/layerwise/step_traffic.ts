import type { FedGraph } from '../graphs/layerwise/layer_graphs.js';
import { buildHeadLossGraph } from '../graphs/layerwise/head_graphs.js';
import { buildLayerForwardGraph } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import type { Traffic } from '../runtime/traffic.js';
import { headChunkRows } from './head_chunks.js';

/** What decides a step's host↔device traffic: sizes of one layer's and the head's fed weights. */
export interface TrafficShape {
  hiddenSize: number;
  numLayers: number;
  vocabSize: number;
  /** Bytes one layer's weights are fed in (their feed dtypes: BF16 widened to float32). */
  layerWeightBytes: number;
  /** Bytes of the final norm and LM head as fed. */
  headWeightBytes: number;
}

const BYTES = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, bool: 1 } as const;

function fedBytes(fg: FedGraph): number {
  const dtypes = new Map(fg.graph.inputs.map((v) => [v.name, v.dtype]));
  return fg.fed.reduce((a, f) => a + f.shape.reduce((x, y) => x * y, 1) * BYTES[dtypes.get(f.input)!], 0);
}

export function trafficShapeOf(model: LoadedModel): TrafficShape {
  const s = model.spec;
  return {
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    vocabSize: s.vocabSize,
    layerWeightBytes: fedBytes(buildLayerForwardGraph(model, { dtype: 'float32' })),
    headWeightBytes: fedBytes(buildHeadLossGraph(model, { dtype: 'float32' })),
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
}

/**
 * Host↔device bytes of one layer-wise train step (LayerwiseTrainStep), as GraphSession counts
 * them. `onDevice`: weights already resident and hidden states kept on the device between
 * layers (WebGPU after the first step); otherwise every run is fed from the host (the CPU
 * provider, CUDA, or WebGPU past its weight budget). Checked against the measured count in
 * test/integration/layerwise/step_traffic.test.ts and the WebGPU tests.
 */
export function layerwiseStepTraffic(shape: TrafficShape, w: TrafficWorkload, onDevice: boolean): Traffic {
  const dt = BYTES[w.dtype];
  const N = w.batch * (w.virtualTokens + w.seqLen);
  const hidden = N * shape.hiddenSize * dt;
  const mask = N * 8;
  const L = shape.numLayers;
  const R = w.headChunkRows ?? headChunkRows(shape.vocabSize, w.dtype);
  const chunks = Math.ceil(w.labelRows / R);
  // Head: each chunk is fed its rows and labels (and, from the host, the head weights) and
  // returns a loss sum and the rows' gradient.
  const headSent = w.labelRows * (shape.hiddenSize * dt + 8) + (onDevice ? 0 : chunks * shape.headWeightBytes);
  const headFetched = chunks * dt + w.labelRows * shape.hiddenSize * dt;
  const runs = L * 2 + chunks;
  if (onDevice) {
    // Uploads: the mask, h0, the top gradient; downloads: the top state, d loss / d h0.
    return { sentBytes: mask + 2 * hidden + headSent, fetchedBytes: 2 * hidden + headFetched, runs: runs + 5 };
  }
  // Forward: hidden + mask + weights in, hidden out; backward: hidden + grad + mask + weights in, grad out.
  const sent = L * (hidden + mask + shape.layerWeightBytes) + L * (2 * hidden + mask + shape.layerWeightBytes) + headSent;
  return { sentBytes: sent, fetchedBytes: 2 * L * hidden + headFetched, runs };
}
