import type { DType } from '../../onnx/dtype.js';
import type { Graph, Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { BuildContext } from '../../models/build_context.js';
import type { ModelSpec } from '../../models/spec.js';
import type { TensorInfo } from '../../weights/safetensors_read.js';
import { feedDTypeOf } from '../../weights/weight_stream.js';
import type { WeightIndex } from '../../weights/weight_index.js';

/** A weight a layer-wise graph takes as an input: which tensor feeds it for a given layer. */
export interface FedWeight {
  /** Graph input name. */
  input: string;
  /** The checkpoint tensor that feeds it when the graph runs for layer `layer`. */
  tensor(layer: number): string;
  /** Whether the tensor differs per layer (false: the same tensor for every run, e.g. the LM head). */
  perLayer: boolean;
  shape: readonly number[];
}

export const WEIGHT_INPUT_PREFIX = 'w.';

/**
 * A BuildContext whose weights are graph inputs, not initializers. One graph then serves every
 * layer (fed that layer's tensors), the session holds no weights between runs, and
 * half-precision weights arrive in half (F16) and are cast to the compute dtype inside the
 * graph for this layer only, never for the whole model (BF16: see feedDTypeOf).
 *
 * Tensor names under `layerPrefix` (the prefix of the layer the graph is built for, e.g.
 * `model.layers.0.`) become per-layer inputs named by the rest of the name; others (norms and
 * heads outside the blocks) are fed as they are.
 */
export class FedWeightContext extends BuildContext {
  readonly fed: FedWeight[] = [];

  constructor(
    graph: Graph,
    spec: ModelSpec,
    weights: WeightIndex,
    dtype: DType,
    private readonly layer?: { prefix: string; prefixOf: (layer: number) => string },
  ) {
    super(graph, spec, weights, dtype);
  }

  protected override weightValue(name: string, info: TensorInfo): Value {
    const layer = this.layer;
    const local = layer && name.startsWith(layer.prefix) ? name.slice(layer.prefix.length) : undefined;
    const input = this.graph.input(`${WEIGHT_INPUT_PREFIX}${local ?? name}`, feedDTypeOf(info.dtype, name, info.file), info.shape);
    this.fed.push(local !== undefined && layer ? { input: input.name, tensor: (i) => `${layer.prefixOf(i)}${local}`, perLayer: true, shape: info.shape } : { input: input.name, tensor: () => name, perLayer: false, shape: info.shape });
    return op.cast(input, this.dtype);
  }
}
