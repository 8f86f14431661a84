import { SpsError } from '../../../shared/errors.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { Architecture } from '../architecture.js';
import type { BuildContext } from '../build_context.js';
import { optionalBoolean, optionalIdList, optionalInteger, optionalNumber, optionalString, requireInteger } from '../model_config.js';
import { activation } from '../parts/activations.js';
import { attention, keptRows, type AttentionInputs } from '../parts/attention.js';
import { conv1d } from '../parts/linear.js';
import { layerNorm } from '../parts/norms.js';

function ln(ctx: BuildContext, x: Value, prefix: string): Value {
  const d = ctx.spec.hiddenSize;
  return layerNorm(x, ctx.weight(`${prefix}.weight`, [d]), ctx.weight(`${prefix}.bias`, [d]), ctx.spec.norm.eps);
}

function block(ctx: BuildContext, h: Value, layer: number, inputs: AttentionInputs): Value {
  const s = ctx.spec;
  const d = s.hiddenSize;
  const p = `transformer.h.${layer}`;
  const qkv = conv1d(ctx, ln(ctx, h, `${p}.ln_1`), `${p}.attn.c_attn`, d, 3 * d);
  const [q, k, v] = op.split(qkv, -1, [d, d, d]);
  const heads = { numHeads: s.numHeads, numKvHeads: s.numHeads, headDim: s.headDim };
  const [hKept, a] = keptRows(inputs, h, attention(q!, k!, v!, heads, inputs, layer));
  const h1 = op.add(hKept, conv1d(ctx, a, `${p}.attn.c_proj`, d, d));
  const m = activation(s.activation, conv1d(ctx, ln(ctx, h1, `${p}.ln_2`), `${p}.mlp.c_fc`, d, s.intermediateSize));
  return op.add(h1, conv1d(ctx, m, `${p}.mlp.c_proj`, s.intermediateSize, d));
}

/** GPT-2: learned absolute positions, LayerNorm, Conv1D weights stored [in, out], tied head. */
export const gpt2: Architecture = {
  modelType: 'gpt2',
  parseConfig(raw, file) {
    const d = requireInteger(raw, 'n_embd', file);
    const numHeads = requireInteger(raw, 'n_head', file);
    if (d % numHeads !== 0) throw new SpsError('INVALID_CONFIG', `n_embd (${d}) must be a multiple of n_head (${numHeads})`, { location: { file, field: 'n_head' } });
    const act = optionalString(raw, 'activation_function', 'gelu_new', file);
    if (act !== 'gelu_new') throw new SpsError('UNSUPPORTED_MODEL', `activation_function "${act}" is not supported for gpt2`, { location: { file, field: 'activation_function' }, hint: 'supported: gelu_new' });
    if (optionalBoolean(raw, 'scale_attn_by_inverse_layer_idx', false, file) || optionalBoolean(raw, 'reorder_and_upcast_attn', false, file)) {
      throw new SpsError('UNSUPPORTED_MODEL', 'gpt2 attention variants scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported', { location: { file } });
    }
    if (!optionalBoolean(raw, 'scale_attn_weights', true, file)) {
      throw new SpsError('UNSUPPORTED_MODEL', 'gpt2 with scale_attn_weights=false (no 1/sqrt(head_dim) scaling) is not supported', { location: { file, field: 'scale_attn_weights' } });
    }
    return {
      modelType: 'gpt2',
      hiddenSize: d,
      numLayers: requireInteger(raw, 'n_layer', file),
      numHeads,
      numKvHeads: numHeads,
      headDim: d / numHeads,
      intermediateSize: optionalInteger(raw, 'n_inner', 4 * d, file),
      vocabSize: requireInteger(raw, 'vocab_size', file),
      maxPositions: requireInteger(raw, 'n_positions', file),
      norm: { kind: 'layer', eps: optionalNumber(raw, 'layer_norm_epsilon', 1e-5, file) },
      positions: { kind: 'learned' },
      activation: 'gelu_new',
      tieWordEmbeddings: optionalBoolean(raw, 'tie_word_embeddings', true, file),
      qkvBias: true,
      oBias: true,
      mlpBias: true,
      qkNorm: false,
      slidingWindow: undefined,
      bosTokenId: optionalIdList(raw, 'bos_token_id', file)[0],
      eosTokenIds: optionalIdList(raw, 'eos_token_id', file),
    };
  },
  embedTokens: (ctx, ids) => op.gather(ctx.weight('transformer.wte.weight', [ctx.spec.vocabSize, ctx.spec.hiddenSize]), ids, 0),
  addPositions: (ctx, h, positions) => {
    const wpe = ctx.weight('transformer.wpe.weight', [ctx.spec.maxPositions, ctx.spec.hiddenSize]);
    return op.add(h, op.gather(wpe, positions, 0));
  },
  blocks: (ctx, h, inputs) => {
    let x = h;
    for (let i = 0; i < ctx.spec.numLayers; i++) x = block(ctx, x, i, inputs);
    return x;
  },
  block,
  layerPrefix: (layer) => `transformer.h.${layer}.`,
  embeddingTensors: () => ({ tokens: 'transformer.wte.weight', positions: 'transformer.wpe.weight' }),
  finalNorm: (ctx, h) => ln(ctx, h, 'transformer.ln_f'),
  lmHead: (ctx, h) => {
    const { vocabSize: V, hiddenSize: d } = ctx.spec;
    const name = ctx.spec.tieWordEmbeddings ? 'transformer.wte.weight' : 'lm_head.weight';
    return op.gemm(h, ctx.weight(name, [V, d], 'language-model head'), undefined, { transB: true });
  },
};
