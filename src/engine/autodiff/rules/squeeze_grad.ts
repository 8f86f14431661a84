import * as op from '../../onnx/ops/index.js';
import { dOut, input, type GradRule } from '../grad_context.js';

export const squeezeGrad: GradRule = (node, dys) => [op.reshape(dOut(node, dys), input(node, 0).shape), undefined];
