/**
 * Dynamic loss scaling for half-precision steps (as torch.cuda.amp.GradScaler does it): the
 * backward runs on loss × scale so small gradients do not flush to zero in float16; the
 * gradient is unscaled in float64 before the optimizer sees it. A non-finite gradient means the
 * scale overflowed float16: the step is skipped and the scale halved; after `growthInterval`
 * clean steps in a row it doubles again.
 */
export interface LossScaleState {
  scale: number;
  /** Clean steps since the last overflow or growth. */
  cleanSteps: number;
}

export interface LossScaleOptions {
  initialScale: number;
  growthInterval: number;
  backoffFactor: number;
  growthFactor: number;
  minScale: number;
  maxScale: number;
}

/**
 * GradScaler's growth and back-off, but a lower start: a prompt's gradient flows back through
 * every layer, and on stories260K the backward overflows float16 from a scale of about 2^14
 * (GradScaler's 2^16 start would skip the first steps of every run); 2^10 is clean there.
 */
export const LOSS_SCALE_DEFAULTS: LossScaleOptions = { initialScale: 2 ** 10, growthInterval: 200, backoffFactor: 0.5, growthFactor: 2, minScale: 1, maxScale: 2 ** 24 };

export type ScaleUpdate = { kind: 'clean'; scale: number; grew: boolean } | { kind: 'overflow'; from: number; to: number; /** The scale was already at its floor: a real non-finite, not an overflow. */ atFloor: boolean };

export class DynamicLossScaler {
  private s: LossScaleState;

  constructor(
    state: LossScaleState | undefined,
    private readonly opts: LossScaleOptions = LOSS_SCALE_DEFAULTS,
  ) {
    this.s = state ? { ...state } : { scale: opts.initialScale, cleanSteps: 0 };
  }

  get scale(): number {
    return this.s.scale;
  }

  state(): LossScaleState {
    return { ...this.s };
  }

  /** After a step computed at `scale`: was its gradient finite? */
  update(finite: boolean): ScaleUpdate {
    if (!finite) {
      const from = this.s.scale;
      const to = Math.max(this.opts.minScale, from * this.opts.backoffFactor);
      this.s = { scale: to, cleanSteps: 0 };
      return { kind: 'overflow', from, to, atFloor: from <= this.opts.minScale };
    }
    this.s.cleanSteps++;
    if (this.s.cleanSteps >= this.opts.growthInterval && this.s.scale < this.opts.maxScale) {
      this.s = { scale: Math.min(this.opts.maxScale, this.s.scale * this.opts.growthFactor), cleanSteps: 0 };
      return { kind: 'clean', scale: this.s.scale, grew: true };
    }
    return { kind: 'clean', scale: this.s.scale, grew: false };
  }
}
