import { SpsError } from '../../shared/errors.js';
import type { DType } from '../onnx/dtype.js';
import type { Graph, Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import type { SafetensorsDType, TensorInfo } from '../weights/safetensors_read.js';
import { relativeWeightPath, type WeightIndex } from '../weights/weight_index.js';
import type { ModelSpec } from './spec.js';

const STORAGE_DTYPE: Partial<Record<SafetensorsDType, DType>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

/**
 * What an architecture needs while it emits its graph: the graph, the compute dtype and the
 * weights. Weights become external initializers pointing into the safetensors files (no copy),
 * cast once to the compute dtype (onnxruntime folds that cast at session creation).
 */
export class BuildContext {
  private readonly cache = new Map<string, Value>();

  constructor(
    readonly graph: Graph,
    readonly spec: ModelSpec,
    readonly weights: WeightIndex,
    readonly dtype: DType,
  ) {}

  weight(name: string, shape: readonly number[], context?: string): Value {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const info = this.weights.get(name, shape, context);
    const storage = STORAGE_DTYPE[info.dtype];
    if (!storage) {
      throw new SpsError('TENSOR_MISMATCH', `tensor ${name} has dtype ${info.dtype}; weights must be F32, F16 or BF16`, {
        location: { file: info.file, field: name },
        hint: 'quantised or integer weights are not supported; use a float checkpoint',
      });
    }
    const v = this.weightValue(name, info, storage);
    this.cache.set(name, v);
    return v;
  }

  /**
   * How a checked weight enters the graph. Here: an external initializer in the safetensors
   * file, cast to the compute dtype. Layer-wise graphs override this to take weights as graph
   * inputs instead (src/engine/graphs/layerwise/fed_weights.ts).
   */
  protected weightValue(name: string, info: TensorInfo, storage: DType): Value {
    const ext = this.graph.external(name, { dtype: storage, shape: info.shape, location: relativeWeightPath(this.weights, info), offset: info.byteOffset, length: info.byteLength });
    return op.cast(ext, this.dtype);
  }

  /** A weight if the checkpoint has it (optional biases), else undefined. */
  optionalWeight(name: string, shape: readonly number[], context?: string): Value | undefined {
    return this.weights.tensors.has(name) ? this.weight(name, shape, context) : undefined;
  }
}
