import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

export const negGrad: GradRule = (node, dys) => [op.neg(dOut(node, dys))];
