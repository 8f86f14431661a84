import { dOut, type GradRule } from '../grad_context.js';

export const identityGrad: GradRule = (node, dys) => [dOut(node, dys)];
