import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

export const expandGrad: GradRule = (node, dys) => [unbroadcast(dOut(node, dys), input(node, 0).shape), undefined];
