import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { BuildContext } from '../build_context.js';

/**
 * A Hugging Face nn.Linear on rows x [N, in]: weight stored [out, in], used as stored through
 * Gemm's transB (no transposed copy), optional bias [out].
 */
export function linear(ctx: BuildContext, x: Value, prefix: string, inDim: number, outDim: number, bias: boolean): Value {
  const w = ctx.weight(`${prefix}.weight`, [outDim, inDim]);
  const b = bias ? ctx.weight(`${prefix}.bias`, [outDim]) : undefined;
  return op.gemm(x, w, b, { transB: true });
}

/** GPT-2's Conv1D: weight stored [in, out], so no transpose at all. */
export function conv1d(ctx: BuildContext, x: Value, prefix: string, inDim: number, outDim: number): Value {
  const w = ctx.weight(`${prefix}.weight`, [inDim, outDim]);
  const b = ctx.weight(`${prefix}.bias`, [outDim]);
  return op.gemm(x, w, b);
}
