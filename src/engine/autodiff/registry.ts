import { SpsError } from '../../shared/errors.js';
import type { CompositeRule, GradRule } from './grad_context.js';
import { addGrad } from './rules/add_grad.js';
import { castGrad } from './rules/cast_grad.js';
import { concatGrad } from './rules/concat_grad.js';
import { divGrad } from './rules/div_grad.js';
import { expGrad } from './rules/exp_grad.js';
import { expandGrad } from './rules/expand_grad.js';
import { gatherElementsGrad } from './rules/gather_elements_grad.js';
import { gatherGrad } from './rules/gather_grad.js';
import { gemmGrad } from './rules/gemm_grad.js';
import { identityGrad } from './rules/identity_grad.js';
import { logGrad } from './rules/log_grad.js';
import { logSoftmaxGrad } from './rules/log_softmax_grad.js';
import { matmulGrad } from './rules/matmul_grad.js';
import { mulGrad } from './rules/mul_grad.js';
import { negGrad } from './rules/neg_grad.js';
import { powGrad } from './rules/pow_grad.js';
import { reciprocalGrad } from './rules/reciprocal_grad.js';
import { reduceMaxGrad } from './rules/reduce_max_grad.js';
import { reduceMeanGrad } from './rules/reduce_mean_grad.js';
import { reduceSumGrad } from './rules/reduce_sum_grad.js';
import { reshapeGrad } from './rules/reshape_grad.js';
import { rmsNormGrad } from './rules/rms_norm_grad.js';
import { sigmoidGrad } from './rules/sigmoid_grad.js';
import { sliceGrad } from './rules/slice_grad.js';
import { softmaxGrad } from './rules/softmax_grad.js';
import { splitGrad } from './rules/split_grad.js';
import { sqrtGrad } from './rules/sqrt_grad.js';
import { squeezeGrad } from './rules/squeeze_grad.js';
import { subGrad } from './rules/sub_grad.js';
import { swigluGrad } from './rules/swiglu_grad.js';
import { tanhGrad } from './rules/tanh_grad.js';
import { transposeGrad } from './rules/transpose_grad.js';
import { unsqueezeGrad } from './rules/unsqueeze_grad.js';
import { whereGrad } from './rules/where_grad.js';

/** Every gradient rule, keyed by ONNX op type. Listed once; `buildRuleTable` refuses duplicates. */
export const GRAD_RULE_LIST: ReadonlyArray<readonly [string, GradRule]> = [
  ['Add', addGrad],
  ['Sub', subGrad],
  ['Mul', mulGrad],
  ['Div', divGrad],
  ['Pow', powGrad],
  ['Neg', negGrad],
  ['Identity', identityGrad],
  ['Cast', castGrad],
  ['Exp', expGrad],
  ['Log', logGrad],
  ['Sqrt', sqrtGrad],
  ['Reciprocal', reciprocalGrad],
  ['Tanh', tanhGrad],
  ['Sigmoid', sigmoidGrad],
  ['Softmax', softmaxGrad],
  ['LogSoftmax', logSoftmaxGrad],
  ['MatMul', matmulGrad],
  ['Gemm', gemmGrad],
  ['Reshape', reshapeGrad],
  ['Transpose', transposeGrad],
  ['Unsqueeze', unsqueezeGrad],
  ['Squeeze', squeezeGrad],
  ['Concat', concatGrad],
  ['Split', splitGrad],
  ['Slice', sliceGrad],
  ['Gather', gatherGrad],
  ['GatherElements', gatherElementsGrad],
  ['Expand', expandGrad],
  ['Where', whereGrad],
  ['ReduceSum', reduceSumGrad],
  ['ReduceMean', reduceMeanGrad],
  ['ReduceMax', reduceMaxGrad],
];

/**
 * Every composite rule (autodiff/composite.ts), keyed by the kind a model part marks its region
 * with: whole functions whose gradient takes fewer passes than their ops' rules chained.
 */
export const COMPOSITE_RULE_LIST: ReadonlyArray<readonly [string, CompositeRule]> = [
  ['rms_norm', rmsNormGrad],
  ['swiglu', swigluGrad],
];

export function buildRuleTable<R>(list: ReadonlyArray<readonly [string, R]>): ReadonlyMap<string, R> {
  const table = new Map<string, R>();
  for (const [opType, rule] of list) {
    if (table.has(opType)) throw new SpsError('INTERNAL', `gradient rule for ${opType} is registered twice`);
    table.set(opType, rule);
  }
  return table;
}

export const GRAD_RULES = buildRuleTable(GRAD_RULE_LIST);
export const COMPOSITE_RULES = buildRuleTable(COMPOSITE_RULE_LIST);
