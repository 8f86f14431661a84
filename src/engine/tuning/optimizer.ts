import { SpsError } from '../../shared/errors.js';

/**
 * AdamW over the soft prompt, on the host in float64.
 *
 * The prompt is small (n·d values), so the update is cheaper here than another graph, and
 * float64 on the host keeps it deterministic for bit-exact resume. The arithmetic mirrors
 * torch.optim.AdamW's single-tensor loop (foreach=False) operation by operation, so our
 * runs track a PyTorch/PEFT run with the same hyperparameters (pinned by golden values in
 * test/fixtures/golden/adamw.json, from scripts/golden/adamw_golden.py).
 *
 * Not bit-identical to torch: its vectorised CPU kernels fuse lerp_ and addcmul_ into FMA
 * instructions (checked: an FMA-emulating Python model reproduces torch's values exactly),
 * and JS has no fused multiply-add. The difference is last-ulp rounding (~1e-16 relative
 * per step), which torch itself shows between CPUs with and without FMA. Our own arithmetic
 * is deterministic, so resume-from-checkpoint stays bit-exact.
 */
export interface AdamWConfig {
  /** β1, β2 (torch default 0.9, 0.999). */
  betas: readonly [number, number];
  /** Added to sqrt(v̂) (torch default 1e-8). */
  eps: number;
  /** Decoupled weight decay coefficient (torch AdamW default 0.01; 0 disables it). */
  weightDecay: number;
}

/** The serialisable optimiser state; `step` counts completed updates (torch's state["step"]). */
export interface AdamWState {
  step: number;
  /** First moment (torch exp_avg), same length as the parameter. */
  m: Float64Array;
  /** Second moment (torch exp_avg_sq). */
  v: Float64Array;
}

export const ADAMW_DEFAULTS: AdamWConfig = { betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 };

export class AdamW {
  readonly config: AdamWConfig;
  private stepCount: number;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  /** A fresh optimiser for a parameter of `size` values (moments start at zero, as in torch). */
  constructor(size: number, config: AdamWConfig = ADAMW_DEFAULTS) {
    validateConfig(config);
    this.config = config;
    this.stepCount = 0;
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Resumes from a saved state (copied, so the caller's arrays stay untouched). */
  static fromState(state: AdamWState, config: AdamWConfig = ADAMW_DEFAULTS): AdamW {
    if (state.m.length !== state.v.length || !Number.isInteger(state.step) || state.step < 0) {
      throw new SpsError('INVALID_DATA', `optimizer state is inconsistent (step ${state.step}, m has ${state.m.length} values, v has ${state.v.length})`, {
        hint: 'the checkpoint is damaged; resume from an earlier one',
      });
    }
    const opt = new AdamW(state.m.length, config);
    opt.stepCount = state.step;
    opt.m.set(state.m);
    opt.v.set(state.v);
    return opt;
  }

  /** A copy of the state, safe to keep while training continues. */
  state(): AdamWState {
    return { step: this.stepCount, m: this.m.slice(), v: this.v.slice() };
  }

  /** Completed updates so far (torch's state["step"]). */
  get steps(): number {
    return this.stepCount;
  }

  /**
   * One update of `param` in place with gradient `grad` at learning rate `lr` (the
   * scheduler's value for this step; weight decay is scaled by it too, as in torch).
   * The caller skips the call for non-finite gradients (DESIGN.md §3), so a skipped step
   * leaves the state, including the bias-correction step count, unchanged.
   */
  step(param: Float64Array, grad: Float64Array, lr: number): void {
    const n = this.m.length;
    if (param.length !== n || grad.length !== n) {
      throw new SpsError('INTERNAL', `AdamW.step: parameter has ${param.length} values and gradient ${grad.length}, optimizer expects ${n}`);
    }
    const [beta1, beta2] = this.config.betas;
    const { eps, weightDecay } = this.config;
    this.stepCount += 1;
    const t = this.stepCount;
    // torch: param.mul_(1 - lr * weight_decay) — decoupled decay, applied before the moments.
    const decay = 1 - lr * weightDecay;
    const w1 = 1 - beta1;
    const w2 = 1 - beta2;
    const biasCorrection1 = 1 - beta1 ** t;
    const biasCorrection2 = 1 - beta2 ** t;
    const stepSize = lr / biasCorrection1;
    const bc2Sqrt = Math.sqrt(biasCorrection2);
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < n; i++) {
      const g = grad[i]!;
      let p = param[i]!;
      if (weightDecay !== 0) p *= decay;
      // torch: exp_avg.lerp_(grad, 1 - beta1); its lerp kernel switches formula at weight 0.5.
      const mi = m[i]!;
      const mNew = w1 < 0.5 ? mi + w1 * (g - mi) : g - (g - mi) * (1 - w1);
      m[i] = mNew;
      // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
      const vNew = v[i]! * beta2 + w2 * g * g; // torch's scalar addcmul order: self + (value·t1)·t2
      v[i] = vNew;
      // torch: denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
      //        param.addcdiv_(exp_avg, denom, value=-step_size)
      const denom = Math.sqrt(vNew) / bc2Sqrt + eps;
      param[i] = p + (-stepSize * mNew) / denom; // torch's scalar addcdiv order: self + (value·t1)/t2
    }
  }
}

function validateConfig(c: AdamWConfig): void {
  const [b1, b2] = c.betas;
  const bad = (what: string, field: string): never => {
    throw new SpsError('INVALID_CONFIG', what, { location: { field } });
  };
  if (!(b1 >= 0 && b1 < 1)) bad(`AdamW beta1 must be in [0, 1), got ${b1}`, 'betas');
  if (!(b2 >= 0 && b2 < 1)) bad(`AdamW beta2 must be in [0, 1), got ${b2}`, 'betas');
  if (!(c.eps >= 0 && Number.isFinite(c.eps))) bad(`AdamW eps must be ≥ 0, got ${c.eps}`, 'eps');
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay))) bad(`weight decay must be ≥ 0, got ${c.weightDecay}`, 'weight_decay');
}

/** L2 norm of a vector, as torch.linalg.vector_norm(·, 2) (plain sum of squares). */
export function l2Norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s);
}

/**
 * torch.nn.utils.clip_grad_norm_ for one tensor: multiplies `grad` in place by
 * min(1, maxNorm / (norm + 1e-6)) and returns the norm BEFORE clipping (what the monitor
 * charts). Like torch with error_if_nonfinite=False it does not throw on NaN/Inf: the
 * returned norm is non-finite and the trainer must then skip the update.
 * The 1e-6 means a norm just under maxNorm is still scaled by a factor a hair below 1,
 * exactly as torch does.
 */
export function clipGradNorm(grad: Float64Array, maxNorm: number): number {
  const norm = l2Norm(grad);
  if (!Number.isFinite(norm)) return norm;
  const coef = Math.min(maxNorm / (norm + 1e-6), 1);
  for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * coef;
  return norm;
}
