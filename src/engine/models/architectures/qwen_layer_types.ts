import { SpsError } from '../../../shared/errors.js';
import { optionalBoolean, optionalInteger, type RawConfig } from '../model_config.js';

/**
 * Qwen2/Qwen3 sliding-window attention, from either config layout: transformers 5 writes
 * `layer_types` (one "full_attention" | "sliding_attention" per layer); older configs only
 * `use_sliding_window`, `sliding_window` and `max_window_layers`, from which transformers
 * derives the same list. A layer slides only if its type says so and use_sliding_window is
 * true. Real Qwen checkpoints carry a sliding_window value that no layer uses; a model where
 * some layer does slide is refused (per-layer windows are not implemented), never run as full.
 */
export function qwenSlidingWindow(modelType: string, raw: RawConfig, file: string, numLayers: number): undefined {
  const use = optionalBoolean(raw, 'use_sliding_window', false, file);
  // As the config class: sliding_window (default 4096; null = none) counts only with use_sliding_window.
  const window = use && raw.sliding_window !== null ? optionalInteger(raw, 'sliding_window', 4096, file) : undefined;
  const types = layerTypes(raw, file, numLayers, window !== undefined ? optionalInteger(raw, 'max_window_layers', 28, file, 0) : numLayers);
  const sliding = types.map((t, i) => (t === 'sliding_attention' && window !== undefined ? i : -1)).filter((i) => i >= 0);
  if (sliding.length > 0) {
    const field = raw.layer_types !== undefined && raw.layer_types !== null ? 'layer_types' : 'use_sliding_window';
    throw new SpsError('UNSUPPORTED_MODEL', `${modelType} with sliding-window attention (window ${window} on layer${sliding.length > 1 ? 's' : ''} ${sliding.join(', ')}) is not supported`, {
      location: { file, field },
      hint: 'only full attention is implemented for this model type',
    });
  }
  return undefined;
}

function layerTypes(raw: RawConfig, file: string, numLayers: number, maxWindowLayers: number): string[] {
  const v = raw.layer_types;
  if (v === undefined || v === null) return Array.from({ length: numLayers }, (_, i) => (i >= maxWindowLayers ? 'sliding_attention' : 'full_attention'));
  if (!Array.isArray(v) || v.length !== numLayers) {
    throw new SpsError('INVALID_CONFIG', `"layer_types" must list one attention type per layer (${numLayers})`, { location: { file, field: 'layer_types' } });
  }
  v.forEach((t, i) => {
    if (t !== 'full_attention' && t !== 'sliding_attention') {
      throw new SpsError('UNSUPPORTED_MODEL', `layer_types[${i}] "${String(t)}" is not supported`, { location: { file, field: `layer_types[${i}]` }, hint: 'supported: full_attention, sliding_attention' });
    }
  });
  return v as string[];
}
