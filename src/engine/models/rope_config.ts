import { SpsError } from '../../shared/errors.js';
import { optionalNumber, type RawConfig } from './model_config.js';
import type { RopeSpec } from './spec.js';

/**
 * Rotary-embedding settings from config.json in both layouts transformers writes:
 * - transformers ≤ 4: top-level `rope_theta` (+ `partial_rotary_factor`) and `rope_scaling`
 *   ({"rope_type" | "type": …, "factor": …, …} or null);
 * - transformers 5: `rope_parameters` ({"rope_theta": …, "rope_type": …, …}).
 * Precedence follows transformers' `convert_rope_params_to_dict`/`standardize_rope_params`:
 * values inside the dict first, then the top-level fields, then the defaults (theta 10000,
 * type "default"). Every key of the dict must be one we implement for its rope_type: an
 * unknown type or key is refused, naming the field, never ignored.
 */

const COMMON_KEYS = ['rope_type', 'type', 'rope_theta', 'partial_rotary_factor'];
const KEYS_BY_TYPE: Record<string, string[]> = {
  default: [],
  linear: ['factor'],
  // transformers' dynamic NTK ignores original_max_position_embeddings; some configs carry it.
  dynamic: ['factor', 'original_max_position_embeddings'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  yarn: ['factor', 'attention_factor', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'original_max_position_embeddings', 'truncate'],
};
export const SUPPORTED_ROPE_TYPES = Object.keys(KEYS_BY_TYPE);

export function parseRope(raw: RawConfig, file: string, headDim: number, maxPositions: number): RopeSpec {
  const legacy = raw.rope_scaling;
  const v5 = raw.rope_parameters;
  if (isObject(legacy) && isObject(v5)) {
    throw new SpsError('INVALID_CONFIG', 'config.json has both "rope_scaling" (transformers 4) and "rope_parameters" (transformers 5)', {
      location: { file, field: 'rope_scaling' },
      hint: 'keep one of them: transformers 5 writes only rope_parameters',
    });
  }
  for (const [key, v] of [['rope_scaling', legacy], ['rope_parameters', v5]] as const) {
    if (v !== undefined && v !== null && !isObject(v)) {
      throw new SpsError('INVALID_CONFIG', `"${key}" must be an object or null`, { location: { file, field: key } });
    }
  }
  const dictKey = isObject(legacy) ? 'rope_scaling' : 'rope_parameters';
  const dict: RawConfig = isObject(legacy) ? legacy : isObject(v5) ? v5 : {};
  const field = (k: string) => `${dictKey}.${k}`;

  if (isNestedByLayerType(dict)) {
    throw new SpsError('UNSUPPORTED_MODEL', `per-layer-type rotary settings (${Object.keys(dict).join(', ')}) are not supported`, {
      location: { file, field: dictKey },
      hint: 'only one rotary setting shared by every layer is implemented',
    });
  }
  const typeValue = dict.rope_type ?? dict.type ?? 'default';
  const typeField = field(dict.rope_type !== undefined ? 'rope_type' : 'type');
  if (typeof typeValue !== 'string') throw new SpsError('INVALID_CONFIG', `${typeField} must be a string, got ${JSON.stringify(typeValue)}`, { location: { file, field: typeField } });
  const type = typeValue;
  const allowed = KEYS_BY_TYPE[type];
  if (!allowed) {
    throw new SpsError('UNSUPPORTED_MODEL', `${typeField} "${type}" is not supported`, {
      location: { file, field: typeField },
      hint: `supported rope types: ${SUPPORTED_ROPE_TYPES.join(', ')}`,
    });
  }
  for (const key of Object.keys(dict)) {
    if (!COMMON_KEYS.includes(key) && !allowed.includes(key)) {
      throw new SpsError('UNSUPPORTED_MODEL', `${field(key)} is not supported for rope_type "${type}"`, {
        location: { file, field: field(key) },
        hint: `for "${type}" the implemented keys are: ${[...COMMON_KEYS, ...allowed].join(', ')}`,
      });
    }
  }

  const num = (k: string, dflt?: number): number => {
    const v = dict[k];
    if (v === undefined || v === null) {
      if (dflt !== undefined) return dflt;
      throw new SpsError('INVALID_CONFIG', `${field(k)} is required for rope_type "${type}"`, { location: { file, field: field(k) } });
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpsError('INVALID_CONFIG', `${field(k)} must be a number, got ${JSON.stringify(v)}`, { location: { file, field: field(k) } });
    return v;
  };

  const theta = dict.rope_theta !== undefined && dict.rope_theta !== null ? num('rope_theta') : optionalNumber(raw, 'rope_theta', 10000, file);
  const partial = dict.partial_rotary_factor !== undefined && dict.partial_rotary_factor !== null ? num('partial_rotary_factor') : optionalNumber(raw, 'partial_rotary_factor', 1, file);
  if (partial !== 1) {
    const at = dict.partial_rotary_factor !== undefined ? field('partial_rotary_factor') : 'partial_rotary_factor';
    throw new SpsError('UNSUPPORTED_MODEL', `${at} ${partial} is not supported (only 1: every head dimension rotated)`, { location: { file, field: at } });
  }
  if (!(theta > 0)) throw new SpsError('INVALID_CONFIG', `rope_theta must be positive, got ${theta}`, { location: { file, field: dict.rope_theta !== undefined ? field('rope_theta') : 'rope_theta' } });

  // transformers moves a top-level original_max_position_embeddings into the dict (Phi-3 style), else max_position_embeddings.
  const originalMax = (): number => {
    if (raw.original_max_position_embeddings !== undefined && raw.original_max_position_embeddings !== null) return optionalNumber(raw, 'original_max_position_embeddings', maxPositions, file);
    return num('original_max_position_embeddings', maxPositions);
  };
  const base = { theta, dim: headDim };
  switch (type) {
    case 'default':
      return { ...base, scaling: { type: 'default' } };
    case 'linear':
      return { ...base, scaling: { type: 'linear', factor: num('factor') } };
    case 'dynamic':
      return { ...base, scaling: { type: 'dynamic', factor: num('factor'), maxPositions } };
    case 'llama3':
      return { ...base, scaling: { type: 'llama3', factor: num('factor'), lowFreqFactor: num('low_freq_factor'), highFreqFactor: num('high_freq_factor'), originalMaxPositions: originalMax() } };
    default: {
      const original = originalMax();
      const factor = dict.factor === undefined || dict.factor === null ? maxPositions / original : num('factor');
      const truncate = dict.truncate ?? true;
      if (typeof truncate !== 'boolean') throw new SpsError('INVALID_CONFIG', `${field('truncate')} must be true or false`, { location: { file, field: field('truncate') } });
      return {
        ...base,
        scaling: {
          type: 'yarn',
          factor,
          originalMaxPositions: original,
          // `or` defaults as transformers' `get("beta_fast") or 32`: 0 and null mean the default.
          betaFast: num('beta_fast', 32) || 32,
          betaSlow: num('beta_slow', 1) || 1,
          attentionFactor: yarnAttentionFactor(factor, dict.attention_factor === undefined || dict.attention_factor === null ? undefined : num('attention_factor'), num('mscale', 0), num('mscale_all_dim', 0)),
          truncate,
        },
      };
    }
  }
}

/** The cos/sin scale of YaRN ("attention factor"), as transformers infers it when not given. */
function yarnAttentionFactor(factor: number, given: number | undefined, mscale: number, mscaleAllDim: number): number {
  if (given !== undefined) return given;
  const get = (scale: number, m = 1) => (scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1);
  return mscale && mscaleAllDim ? get(factor, mscale) / get(factor, mscaleAllDim) : get(factor);
}

function isObject(v: unknown): v is RawConfig {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** transformers 5 nests rope_parameters by layer type for models that mix attention kinds. */
function isNestedByLayerType(dict: RawConfig): boolean {
  return Object.values(dict).some((v) => isObject(v));
}
