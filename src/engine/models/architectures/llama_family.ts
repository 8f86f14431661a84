import { SpsError } from '../../../shared/errors.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { Architecture } from '../architecture.js';
import type { BuildContext } from '../build_context.js';
import { optionalBoolean, optionalIdList, optionalInteger, optionalNumber, optionalString, requireInteger, type RawConfig } from '../model_config.js';
import { gatedActivation } from '../parts/activations.js';
import { attention, keptRows, type AttentionInputs } from '../parts/attention.js';
import { linear } from '../parts/linear.js';
import { rmsNorm } from '../parts/norms.js';
import { parseRope } from '../rope_config.js';
import type { ModelSpec } from '../spec.js';

/**
 * Llama-style decoders (pre-RMSNorm, RoPE, grouped-query attention, gated MLP), which
 * llama, mistral, qwen2 and qwen3 share; each model_type file sets the differences.
 */
export interface LlamaVariant {
  modelType: string;
  /** Reads qkv/o/mlp bias flags, q/k norm and sliding window from the config. */
  parseExtras(raw: RawConfig, file: string, numLayers: number): Pick<ModelSpec, 'qkvBias' | 'oBias' | 'mlpBias' | 'qkNorm' | 'slidingWindow'>;
  /**
   * head_dim when config.json has none (or null), as the transformers config class sets it:
   * hidden_size / num_attention_heads unless given (Qwen3Config: 128).
   */
  defaultHeadDim?: number;
}

function parseLlamaConfig(variant: LlamaVariant, raw: RawConfig, file: string): ModelSpec {
  const hiddenSize = requireInteger(raw, 'hidden_size', file);
  const numHeads = requireInteger(raw, 'num_attention_heads', file);
  const numKvHeads = optionalInteger(raw, 'num_key_value_heads', numHeads, file);
  const headDim = optionalInteger(raw, 'head_dim', variant.defaultHeadDim ?? Math.floor(hiddenSize / numHeads), file);
  if (numHeads % numKvHeads !== 0) {
    throw new SpsError('INVALID_CONFIG', `num_attention_heads (${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads})`, { location: { file, field: 'num_key_value_heads' } });
  }
  if (headDim % 2 !== 0) throw new SpsError('INVALID_CONFIG', `head_dim ${headDim} must be even for rotary embeddings`, { location: { file, field: 'head_dim' } });
  const act = optionalString(raw, 'hidden_act', 'silu', file);
  if (act !== 'silu') throw new SpsError('UNSUPPORTED_MODEL', `hidden_act "${act}" is not supported for ${variant.modelType}`, { location: { file, field: 'hidden_act' }, hint: 'supported: silu' });
  const numLayers = requireInteger(raw, 'num_hidden_layers', file);
  const maxPositions = optionalInteger(raw, 'max_position_embeddings', 2048, file);
  return {
    modelType: variant.modelType,
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: requireInteger(raw, 'intermediate_size', file),
    vocabSize: requireInteger(raw, 'vocab_size', file),
    maxPositions,
    norm: { kind: 'rms', eps: optionalNumber(raw, 'rms_norm_eps', 1e-6, file) },
    positions: { kind: 'rope', rope: parseRope(raw, file, headDim, maxPositions) },
    activation: 'silu',
    tieWordEmbeddings: optionalBoolean(raw, 'tie_word_embeddings', false, file),
    ...variant.parseExtras(raw, file, numLayers),
    bosTokenId: optionalIdList(raw, 'bos_token_id', file)[0],
    eosTokenIds: optionalIdList(raw, 'eos_token_id', file),
  };
}

function block(ctx: BuildContext, h: Value, layer: number, inputs: AttentionInputs): Value {
  const s = ctx.spec;
  const p = `model.layers.${layer}`;
  const d = s.hiddenSize;
  const eps = s.norm.eps;
  const x = rmsNorm(h, ctx.weight(`${p}.input_layernorm.weight`, [d]), eps);
  const q = linear(ctx, x, `${p}.self_attn.q_proj`, d, s.numHeads * s.headDim, s.qkvBias);
  const k = linear(ctx, x, `${p}.self_attn.k_proj`, d, s.numKvHeads * s.headDim, s.qkvBias);
  const v = linear(ctx, x, `${p}.self_attn.v_proj`, d, s.numKvHeads * s.headDim, s.qkvBias);
  const heads = {
    numHeads: s.numHeads,
    numKvHeads: s.numKvHeads,
    headDim: s.headDim,
    ...(s.qkNorm
      ? {
          qNorm: (t: Value) => rmsNorm(t, ctx.weight(`${p}.self_attn.q_norm.weight`, [s.headDim]), eps),
          kNorm: (t: Value) => rmsNorm(t, ctx.weight(`${p}.self_attn.k_norm.weight`, [s.headDim]), eps),
        }
      : {}),
  };
  const [hKept, a] = keptRows(inputs, h, attention(q, k, v, heads, inputs, layer));
  const h1 = op.add(hKept, linear(ctx, a, `${p}.self_attn.o_proj`, s.numHeads * s.headDim, d, s.oBias));
  const y = rmsNorm(h1, ctx.weight(`${p}.post_attention_layernorm.weight`, [d]), eps);
  const gate = linear(ctx, y, `${p}.mlp.gate_proj`, d, s.intermediateSize, s.mlpBias);
  const up = linear(ctx, y, `${p}.mlp.up_proj`, d, s.intermediateSize, s.mlpBias);
  const down = linear(ctx, gatedActivation(s.activation, gate, up), `${p}.mlp.down_proj`, s.intermediateSize, d, s.mlpBias);
  return op.add(h1, down);
}

export function llamaFamily(variant: LlamaVariant): Architecture {
  return {
    modelType: variant.modelType,
    parseConfig: (raw, file) => parseLlamaConfig(variant, raw, file),
    embedTokens: (ctx, ids) => op.gather(ctx.weight('model.embed_tokens.weight', [ctx.spec.vocabSize, ctx.spec.hiddenSize]), ids, 0),
    addPositions: (_ctx, h) => h,
    blocks: (ctx, h, inputs) => {
      let x = h;
      for (let i = 0; i < ctx.spec.numLayers; i++) x = block(ctx, x, i, inputs);
      return x;
    },
    block,
    layerPrefix: (layer) => `model.layers.${layer}.`,
    embeddingTensors: () => ({ tokens: 'model.embed_tokens.weight' }),
    finalNorm: (ctx, h) => rmsNorm(h, ctx.weight('model.norm.weight', [ctx.spec.hiddenSize]), ctx.spec.norm.eps),
    lmHead: (ctx, h) => {
      const { vocabSize: V, hiddenSize: d } = ctx.spec;
      const name = ctx.spec.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
      return op.gemm(h, ctx.weight(name, [V, d], 'language-model head'), undefined, { transB: true });
    },
  };
}
