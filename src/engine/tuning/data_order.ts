import { Rng } from './rng.js';

/**
 * The data order: a seeded shuffle per epoch, walked in batches; restartable from its state.
 * Held in an Int32Array (4 bytes per example: a multi-GB corpus has millions).
 */
export class DataOrder {
  private order: Int32Array;
  constructor(
    private readonly n: number,
    private rng: Rng,
    public epoch: number,
    public cursor: number,
    public epochRng: number[],
  ) {
    this.order = this.shuffle();
  }

  static fresh(n: number, seed: number): DataOrder {
    const rng = Rng.fromSeed(seed);
    return new DataOrder(n, rng, 0, 0, rng.state());
  }

  /** Back to where a checkpoint left it: the epoch, its RNG state before the shuffle, the cursor. */
  static restore(n: number, s: { epoch: number; cursor: number; epochRng: number[] }): DataOrder {
    return new DataOrder(n, Rng.fromState(s.epochRng), s.epoch, s.cursor, s.epochRng);
  }

  private shuffle(): Int32Array {
    this.rng = Rng.fromState(this.epochRng);
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    return this.rng.shuffle(order);
  }

  /** The indices still to come in the current epoch, in order (what to tokenize first). */
  upcoming(): Int32Array {
    return this.order.subarray(this.cursor);
  }

  /** The next batch's indices; a batch never spans two epochs. */
  next(size: number): number[] {
    if (this.cursor >= this.n) {
      this.epoch++;
      this.cursor = 0;
      this.epochRng = this.rng.state();
      this.order = this.shuffle();
    }
    const batch = Array.from(this.order.subarray(this.cursor, this.cursor + size));
    this.cursor += batch.length;
    return batch;
  }
}
