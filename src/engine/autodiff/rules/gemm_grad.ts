import * as op from '../../onnx/ops/index.js';
import { dOut, floatAttr, input, intAttr, unbroadcast, type GradRule } from '../grad_context.js';

/**
 * Y = α·op(A)·op(B) + β·C. Each case is one Gemm with the right transposes, so a frozen
 * weight B stored [out, in] (transB=1) gives dA = α·dY·B with no transposed copy of B.
 */
export const gemmGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const a = input(node, 0);
  const b = input(node, 1);
  const tA = intAttr(node, 'transA', 0) === 1;
  const tB = intAttr(node, 'transB', 0) === 1;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  let da;
  let db;
  if (needs(0)) {
    da = tA ? op.gemm(b, dy, undefined, { transA: tB, transB: true, alpha }) : op.gemm(dy, b, undefined, { transB: !tB, alpha });
  }
  if (needs(1)) {
    db = tB ? op.gemm(dy, a, undefined, { transA: true, transB: tA, alpha }) : op.gemm(a, dy, undefined, { transA: !tA, alpha });
  }
  let dc;
  if (needs(2)) {
    const c = input(node, 2);
    dc = unbroadcast(beta === 1 ? dy : op.mul(dy, beta), c.shape);
  }
  return [da, db, dc];
};
