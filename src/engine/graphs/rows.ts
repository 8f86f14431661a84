import { mulDims, type Dim } from '../onnx/dims.js';
import type { DType } from '../onnx/dtype.js';
import type { Graph, Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { attentionBias, type AttentionInputs } from '../models/parts/attention.js';
import { ropeTables } from '../models/parts/rope.js';
import type { ModelSpec } from '../models/spec.js';

/**
 * The row layout of a batch's hidden states, [rows, d], in every graph that runs whole
 * sequences (train step, scoring, logits; whole-model and layer by layer).
 *
 * The soft prompt's rows come once per batch, not once per sequence: rows = n + B·L, the
 * prompt's n rows, then each sequence's L token rows. Every sequence starts with the same n
 * prompt embeddings at positions 0..n-1, and causal attention lets those rows see only each
 * other, so their hidden states are the same in every sequence at every layer — PEFT computes
 * them B times, we once. That takes (B-1)·n of the B·(n+L) rows out of every product and
 * element-wise op (the SmolLM2 bench batch, 8 × (20 + 128): 12%). Token rows attend to the
 * prompt's keys and values, broadcast over the batch, and the backward of that broadcast sums
 * the sequences' gradients into the shared rows: d loss / d prompt is the gradient of the
 * first n rows, nothing to sum on the host.
 *
 * Without a prompt (n = 0) the layout is the plain B·L rows. Generation with a key/value cache
 * (batch 1) keeps its own layout, which for one sequence is the same.
 */

/** Rows of the hidden states for n prompt rows and B sequences of L tokens. */
export const rowCount = (n: number, B: number, L: number): number => n + B * L;

/** The row of token j of sequence b (host side: label rows, logits rows, embeddings). */
export const tokenRow = (n: number, L: number, b: number, j: number): number => n + b * L + j;

/** The row of position p (0..n+L-1: the prompt's, then the tokens') of sequence b. */
export const positionRow = (n: number, L: number, b: number, p: number): number => (p < n ? p : tokenRow(n, L, b, p - n));

/** Rows of the hidden states, as a graph dim. */
export function rowsDim(g: Graph, n: number, B: Dim, L: Dim): Dim {
  return g.sumDim(n, mulDims(B, L));
}

/**
 * The attention inputs for this layout: token queries at positions n..n+L-1 over keys at
 * 0..n+L-1 (the prompt's always visible, the tokens' by `tokenMask` [B, L] and causality), and,
 * with a prompt, its own causal inputs at 0..n-1.
 */
export function sequenceInputs(g: Graph, spec: ModelSpec, dtype: DType, n: number, B: Dim, L: Dim, tokenMask: Value): AttentionInputs {
  const window = spec.slidingWindow !== undefined ? { slidingWindow: spec.slidingWindow } : {};
  const rope = (positions: Value) => (spec.positions.kind === 'rope' ? { rope: ropeTables(positions, spec.positions.rope, dtype) } : {});
  if (n === 0) {
    const positions = op.arange(L, tokenMask);
    return { B, T: L, positions, bias: attentionBias(positions, positions, dtype, { keyMask: tokenMask, ...window }), ...rope(positions) };
  }
  const keyPositions = op.arange(g.sumDim(n, L), tokenMask);
  const positions = op.add(op.arange(L, tokenMask), g.scalar(n, 'int64'));
  const keyMask = op.concat([op.fill([B, n], 1, 'int64', tokenMask), tokenMask], 1);
  const promptPositions = g.int64s(Array.from({ length: n }, (_, i) => i), 'prompt_positions');
  return {
    B,
    T: L,
    positions,
    bias: attentionBias(positions, keyPositions, dtype, { keyMask, ...window }),
    ...rope(positions),
    sharedPrompt: { n, positions: promptPositions, bias: attentionBias(promptPositions, promptPositions, dtype, window), ...rope(promptPositions) },
  };
}
