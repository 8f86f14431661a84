import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

/** d sqrt(x) = dy / (2·sqrt(x)), reusing the forward output. */
export const sqrtGrad: GradRule = (node, dys) => [op.div(op.mul(dOut(node, dys), 0.5), node.outputs[0]!)];
