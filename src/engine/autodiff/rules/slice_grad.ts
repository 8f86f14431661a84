import { SpsError } from '../../../shared/errors.js';
import { constInts, dOut, input, type GradRule } from '../grad_context.js';

/** Pads dy with zeros back to the input's extent (static single-axis slices, step 1). */
export const sliceGrad: GradRule = (node, dys) => {
  const x = input(node, 0);
  const [start] = constInts(node, 1);
  const [axis] = constInts(node, 3);
  if (node.inputs[4]) throw new SpsError('INTERNAL', `Slice ${node.name}: steps are not differentiable here`);
  const dy = dOut(node, dys);
  const ax = axis! < 0 ? axis! + x.rank : axis!;
  const size = x.shape[ax];
  const len = dy.shape[ax];
  if (typeof size !== 'number' || typeof len !== 'number') throw new SpsError('INTERNAL', `Slice ${node.name}: symbolic slice is not differentiable here`);
  const s = start! < 0 ? start! + size : start!;
  const pads = Array<number>(2 * x.rank).fill(0);
  pads[ax] = s;
  pads[x.rank + ax] = size - s - len;
  return [x.graph.addNode('Pad', [dy, x.graph.int64s(pads, 'pads')], {}, [{ dtype: dy.dtype, shape: x.shape }])[0]!, undefined, undefined, undefined, undefined];
};
