import type { Value } from '../onnx/graph.js';
import type { BuildContext } from './build_context.js';
import type { RawConfig } from './model_config.js';
import type { AttentionInputs } from './parts/attention.js';
import type { ModelSpec } from './spec.js';

/**
 * One architecture (one `model_type`): how to read its config and how to emit its graph.
 * The graph builders (src/engine/graphs) compose these pieces with the soft prompt.
 */
export interface Architecture {
  readonly modelType: string;
  parseConfig(raw: RawConfig, file: string): ModelSpec;
  /** Token embeddings [B, L, d] for ids [B, L]. */
  embedTokens(ctx: BuildContext, ids: Value): Value;
  /** Adds absolute position embeddings to [..., T, d] inputs at `positions` [T] (gpt2); identity for RoPE models. */
  addPositions(ctx: BuildContext, h: Value, positions: Value): Value;
  /** The decoder blocks on flattened rows [rows, d] → [rows, d] (before the final norm; graphs/rows.ts). */
  blocks(ctx: BuildContext, h: Value, inputs: AttentionInputs): Value;
  /** One decoder block (layer `layer`) on flattened rows [rows, d] → [rows, d]. */
  block(ctx: BuildContext, h: Value, layer: number, inputs: AttentionInputs): Value;
  /** The prefix of every tensor name of layer `layer`, e.g. `model.layers.3.`. */
  layerPrefix(layer: number): string;
  /** Tensor names the embedding reads: token rows, and learned position rows (gpt2). */
  embeddingTensors(spec: ModelSpec): { tokens: string; positions?: string };
  finalNorm(ctx: BuildContext, h: Value): Value;
  /** Logits [K, V] for rows [K, d]. */
  lmHead(ctx: BuildContext, h: Value): Value;
}
