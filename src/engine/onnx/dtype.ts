/** Tensor element types used by our graphs, with their ONNX TensorProto.DataType codes. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'bool';

export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
};

export const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  bool: 1,
};

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Lowest finite value, used for additive attention masks (as transformers does). */
export function lowestFinite(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return -Number.MAX_VALUE;
    case 'float16':
      return -65504;
    case 'bfloat16':
      return -3.3895313892515355e38;
    default:
      return -3.4028234663852886e38;
  }
}
