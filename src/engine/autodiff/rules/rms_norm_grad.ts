import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { internalValue, unbroadcast, type CompositeRule } from '../grad_context.js';

/**
 * RMSNorm y = x / den · w with den = sqrt(mean(x²) + ε) over the last axis (models/parts/norms.ts),
 * inputs [x, w], internals `den` and `normed` (= x / den). With gw = dy·w:
 *   dx = (gw − x · mean(gw·x) / den²) / den,   dw = Σ over the broadcast axes of dy·normed.
 * Five passes over x's size for dx (and only x, not normed, so in a graph fed the saved products
 * the forward's division drops out), where the primitive rules take about eleven and an Expand.
 * The mean is divided by den twice rather than by den³, so no intermediate leaves the range of
 * the activations' own magnitudes.
 */
export const rmsNormGrad: CompositeRule = (c, dy, needs) => {
  const [x, w] = c.inputs as [Value, Value];
  const den = internalValue(c, 'den');
  let dx: Value | undefined;
  if (needs(0)) {
    const gw = op.mul(dy, w);
    const k = op.div(op.div(op.reduceMean(op.mul(gw, x), [-1], true), den), den);
    dx = unbroadcast(op.div(op.sub(gw, op.mul(x, k)), den), x.shape);
  }
  const dw = needs(1) ? unbroadcast(op.mul(dy, internalValue(c, 'normed')), w.shape) : undefined;
  return [dx, dw];
};
