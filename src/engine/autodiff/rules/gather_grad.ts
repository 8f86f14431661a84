import * as op from '../../onnx/ops/index.js';
import { dOut, input, intAttr, type GradRule } from '../grad_context.js';

/**
 * Scatter-add dy into zeros shaped like the data (repeated indices accumulate). Implemented
 * for axis 0 with ScatterND: indices get a trailing unit axis, updates keep dy's layout.
 */
export const gatherGrad: GradRule = (node, dys) => {
  const data = input(node, 0);
  const indices = input(node, 1);
  const axis = intAttr(node, 'axis', 0);
  const dy = dOut(node, dys);
  const ax = axis < 0 ? axis + data.rank : axis;
  if (ax !== 0) {
    // Move the gathered axis to the front, scatter there, and move it back.
    const perm = [ax, ...Array.from({ length: data.rank }, (_, i) => i).filter((i) => i !== ax)];
    const inv = new Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    const dataT = op.transpose(data, perm);
    const ir = indices.rank;
    const dyPerm = [...Array.from({ length: ir }, (_, i) => ax + i), ...Array.from({ length: ax }, (_, i) => i), ...Array.from({ length: dy.rank - ax - ir }, (_, i) => ax + ir + i)];
    const dyT = op.transpose(dy, dyPerm);
    const scattered = op.scatterND(op.zerosLike(dataT), op.unsqueeze(op.cast(indices, 'int64'), [-1]), dyT, 'add');
    return [op.transpose(scattered, inv), undefined];
  }
  return [op.scatterND(op.zerosLike(data), op.unsqueeze(op.cast(indices, 'int64'), [-1]), dy, 'add'), undefined];
};
