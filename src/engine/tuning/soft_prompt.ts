/** A soft prompt on the host: n virtual tokens of width d, row-major, kept in float64. */
export interface SoftPrompt {
  numVirtualTokens: number;
  dim: number;
  data: Float64Array;
}

export function softPrompt(numVirtualTokens: number, dim: number, data: Float64Array): SoftPrompt {
  if (data.length !== numVirtualTokens * dim) throw new Error(`soft prompt needs ${numVirtualTokens * dim} values, got ${data.length}`);
  return { numVirtualTokens, dim, data };
}
