/**
 * A model's architecture, normalised from its config.json: what the graph builders need and
 * nothing else. Each architecture file parses its own model_type's keys into this shape.
 */
export interface RopeSpec {
  theta: number;
  /** Rotated dims per head (head_dim unless partial rotary). */
  dim: number;
  scaling:
    | { type: 'default' }
    | { type: 'linear'; factor: number }
    /** NTK-aware; within the context (`maxPositions`, never exceeded here) theta stays as is. */
    | { type: 'dynamic'; factor: number; maxPositions: number }
    | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositions: number }
    /** YaRN: per-frequency blend of interpolation and extrapolation; cos/sin scaled by attentionFactor. */
    | { type: 'yarn'; factor: number; originalMaxPositions: number; betaFast: number; betaSlow: number; attentionFactor: number; truncate: boolean };
}

export interface ModelSpec {
  modelType: string;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  /** Context length: sequences (prompt included) longer than this are refused. */
  maxPositions: number;
  norm: { kind: 'rms' | 'layer'; eps: number };
  /** Rotary embeddings, or learned absolute positions (gpt2). */
  positions: { kind: 'rope'; rope: RopeSpec } | { kind: 'learned' };
  activation: 'silu' | 'gelu_new' | 'gelu';
  tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections (qwen2, optional on llama). */
  qkvBias: boolean;
  /** Bias on the attention output projection. */
  oBias: boolean;
  mlpBias: boolean;
  /** RMSNorm of q and k per head before RoPE (qwen3). */
  qkNorm: boolean;
  /** Keys further back than this many positions are masked (mistral), if set. */
  slidingWindow: number | undefined;
  bosTokenId: number | undefined;
  eosTokenIds: number[];
}
