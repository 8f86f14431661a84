import { describe, expect, it } from 'vitest';
import { gpt2 } from '../../../src/engine/models/architectures/gpt2.js';
import { llama } from '../../../src/engine/models/architectures/llama.js';
import { qwen2 } from '../../../src/engine/models/architectures/qwen2.js';
import { qwen3 } from '../../../src/engine/models/architectures/qwen3.js';
import { parseRope } from '../../../src/engine/models/rope_config.js';
import { tinyConfig } from '../../fixtures/tiny/tiny_models.js';
import { expectSpsError } from '../../helpers/errors.js';

/** config.json fields that change the numbers, read in both layouts; what we do not implement is refused by name. */
const file = '/m/config.json';
const base = tinyConfig('llama');
const v5 = (rope: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const { rope_theta: _t, rope_scaling: _s, ...rest } = base;
  return { ...rest, rope_parameters: rope, ...extra };
};

describe('rotary settings in both layouts', () => {
  it('reads rope_theta from rope_parameters (transformers 5), not the 10000 default', () => {
    const spec = llama.parseConfig(v5({ rope_type: 'default', rope_theta: 500000 }), file);
    expect(spec.positions).toEqual({ kind: 'rope', rope: { theta: 500000, dim: 8, scaling: { type: 'default' } } });
    // The same settings in the transformers-4 layout.
    expect(llama.parseConfig({ ...base, rope_theta: 500000 }, file).positions).toEqual(spec.positions);
  });

  it('every scaling type, either layout, with transformers\' precedence and defaults', () => {
    const legacy = (scaling: Record<string, unknown>, theta = 10000) => parseRope({ rope_theta: theta, rope_scaling: scaling }, file, 8, 64);
    const now = (params: Record<string, unknown>) => parseRope({ rope_parameters: params }, file, 8, 64);
    expect(legacy({ type: 'linear', factor: 2 })).toEqual(now({ rope_type: 'linear', factor: 2, rope_theta: 10000 }));
    expect(now({ rope_type: 'dynamic', factor: 3 }).scaling).toEqual({ type: 'dynamic', factor: 3, maxPositions: 64 });
    const llama3 = now({ rope_type: 'llama3', rope_theta: 500000, factor: 8, low_freq_factor: 1, high_freq_factor: 4 });
    expect(llama3.scaling).toMatchObject({ type: 'llama3', originalMaxPositions: 64 }); // defaults to max_position_embeddings, as transformers
    const yarn = now({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 });
    expect(yarn.scaling).toEqual({ type: 'yarn', factor: 4, originalMaxPositions: 16, betaFast: 32, betaSlow: 1, attentionFactor: 0.1 * Math.log(4) + 1, truncate: true });
    expect(now({ rope_type: 'yarn', original_max_position_embeddings: 16 }).scaling).toMatchObject({ factor: 4 }); // factor from the context ratio
    // The dict's rope_theta wins over a top-level one (transformers' priority 1).
    expect(parseRope({ rope_theta: 1, rope_parameters: { rope_type: 'default', rope_theta: 7 } }, file, 8, 64).theta).toBe(7);
    // A top-level original_max_position_embeddings wins (Phi-3 style), as in transformers.
    expect(parseRope({ original_max_position_embeddings: 32, rope_parameters: { rope_type: 'yarn', factor: 2, original_max_position_embeddings: 16 } }, file, 8, 64).scaling).toMatchObject({ originalMaxPositions: 32 });
  });

  it('an unknown rope_type is refused, naming the field, in both layouts', () => {
    const e1 = expectSpsError(() => llama.parseConfig(v5({ rope_type: 'longrope', rope_theta: 10000 }), file), 'UNSUPPORTED_MODEL', 'rope_parameters.rope_type', 'longrope');
    expect(e1.hint).toBe('supported rope types: default, linear, dynamic, llama3, yarn');
    expectSpsError(() => llama.parseConfig({ ...base, rope_scaling: { type: 'su', factor: 2 } }, file), 'UNSUPPORTED_MODEL', 'rope_scaling.type', '"su"');
  });

  it('refuses keys and values it does not implement instead of ignoring them', () => {
    expectSpsError(() => parseRope({ rope_parameters: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, short_factor: [1] } }, file, 8, 64), 'UNSUPPORTED_MODEL', 'rope_parameters.short_factor');
    expectSpsError(() => parseRope({ rope_parameters: { rope_type: 'default', factor: 2 } }, file, 8, 64), 'UNSUPPORTED_MODEL', 'rope_parameters.factor', 'not supported for rope_type "default"');
    expectSpsError(() => parseRope({ rope_parameters: { rope_type: 'default', partial_rotary_factor: 0.5 } }, file, 8, 64), 'UNSUPPORTED_MODEL', 'rope_parameters.partial_rotary_factor');
    expectSpsError(() => parseRope({ partial_rotary_factor: 0.5 }, file, 8, 64), 'UNSUPPORTED_MODEL', '[partial_rotary_factor]');
    expectSpsError(() => parseRope({ rope_parameters: { rope_type: 'linear' } }, file, 8, 64), 'INVALID_CONFIG', 'rope_parameters.factor', 'required');
    expectSpsError(() => parseRope({ rope_parameters: { full_attention: { rope_type: 'default' }, sliding_attention: { rope_type: 'default' } } }, file, 8, 64), 'UNSUPPORTED_MODEL', 'per-layer-type');
    expectSpsError(() => parseRope({ rope_scaling: { type: 'linear', factor: 2 }, rope_parameters: { rope_type: 'default' } }, file, 8, 64), 'INVALID_CONFIG', 'both "rope_scaling"');
    expectSpsError(() => parseRope({ rope_parameters: 'default' }, file, 8, 64), 'INVALID_CONFIG', 'rope_parameters');
  });
});

describe('other fields that change the numbers', () => {
  it('Qwen sliding windows from layer_types (transformers 5) or use_sliding_window (before): used ones are refused', () => {
    const q = tinyConfig('qwen2');
    expect(qwen2.parseConfig({ ...q, layer_types: ['full_attention', 'full_attention'] }, file).slidingWindow).toBeUndefined();
    // transformers 5 writes layer_types; a sliding layer with use_sliding_window on is not implemented.
    expectSpsError(() => qwen2.parseConfig({ ...q, use_sliding_window: true, sliding_window: 4, layer_types: ['full_attention', 'sliding_attention'] }, file), 'UNSUPPORTED_MODEL', '[layer_types]', 'layer 1');
    expectSpsError(() => qwen3.parseConfig({ ...tinyConfig('qwen3'), use_sliding_window: true, sliding_window: 4, max_window_layers: 0 }, file), 'UNSUPPORTED_MODEL', '[use_sliding_window]', 'layers 0, 1');
    // A sliding layer type without use_sliding_window does not slide (transformers sets the window to None).
    expect(qwen2.parseConfig({ ...q, use_sliding_window: false, layer_types: ['sliding_attention', 'full_attention'] }, file).slidingWindow).toBeUndefined();
    expectSpsError(() => qwen2.parseConfig({ ...q, layer_types: ['full_attention'] }, file), 'INVALID_CONFIG', 'layer_types', 'one attention type per layer (2)');
    expectSpsError(() => qwen2.parseConfig({ ...q, layer_types: ['full_attention', 'chunked_attention'] }, file), 'UNSUPPORTED_MODEL', 'layer_types[1]');
  });

  it('head_dim defaults as each transformers config class does (Qwen3: 128)', () => {
    const { head_dim: _h, ...noHeadDim } = tinyConfig('qwen3');
    expect(qwen3.parseConfig(noHeadDim, file).headDim).toBe(128);
    const { head_dim: _l, ...llamaNoHeadDim } = tinyConfig('llama3');
    expect(llama.parseConfig(llamaNoHeadDim, file).headDim).toBe(8);
  });

  it('GPT-2 without attention scaling is refused, not run scaled', () => {
    expectSpsError(() => gpt2.parseConfig({ ...tinyConfig('gpt2'), scale_attn_weights: false }, file), 'UNSUPPORTED_MODEL', 'scale_attn_weights');
  });
});
