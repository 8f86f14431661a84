import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

/** d exp(x) = dy·exp(x), reusing the forward output. */
export const expGrad: GradRule = (node, dys) => [op.mul(dOut(node, dys), node.outputs[0]!)];
