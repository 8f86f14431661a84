import type { SoftPrompt } from '../tuning/soft_prompt.js';
import type { ForwardRunner } from './forward_runner.js';

export interface GreedyOptions {
  maxNewTokens: number;
  /** Generation stops after emitting one of these (default: none). */
  stopTokenIds?: readonly number[];
  /** Called with each new token as it is chosen. */
  onToken?: (id: number) => void;
}

/** Index of the largest value; ties go to the lowest index (as torch.argmax). */
export function argmax(data: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    const v = data[offset + i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * Greedy decoding by full recomputation of the sequence at each step. Exact but quadratic;
 * generation with a KV cache replaces it for long outputs.
 */
export async function greedyGenerate(runner: ForwardRunner, prompt: SoftPrompt | undefined, inputIds: readonly number[], opts: GreedyOptions): Promise<{ ids: number[]; stopped: boolean }> {
  const seq = [...inputIds];
  const out: number[] = [];
  for (let step = 0; step < opts.maxNewTokens; step++) {
    const { data, vocab } = await runner.logits(prompt, [seq], [[0, seq.length - 1]]);
    const next = argmax(data, 0, vocab);
    out.push(next);
    seq.push(next);
    opts.onToken?.(next);
    if (opts.stopTokenIds?.includes(next)) return { ids: out, stopped: true };
  }
  return { ids: out, stopped: false };
}
