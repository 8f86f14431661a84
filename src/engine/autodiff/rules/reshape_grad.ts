import * as op from '../../onnx/ops/index.js';
import { dOut, input, type GradRule } from '../grad_context.js';

/** Reshape back to the input's shape; the shape input has no gradient. */
export const reshapeGrad: GradRule = (node, dys) => [op.reshape(dOut(node, dys), input(node, 0).shape), undefined];
