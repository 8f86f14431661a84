import * as op from '../../onnx/ops/index.js';
import { dOut, input, type GradRule } from '../grad_context.js';

export const logGrad: GradRule = (node, dys) => [op.div(dOut(node, dys), input(node, 0))];
