import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import type { DynamicLossScaler } from './loss_scaling.js';
import { clipGradNorm } from './optimizer.js';
import type { TrainExample } from './prepare_data.js';
import { lrAt } from './schedule.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';
import { combineByLabelTokens, type LossAndGrad } from './train_step_runner.js';
import type { TrainingPosition } from './training_position.js';

/** What computes a batch's loss and gradient (the train-step graph, or any equivalent). */
export interface StepComputer {
  /** `lossScale` (half precision): backward on loss × lossScale, gradient returned unscaled. */
  step(prompt: SoftPrompt, batch: readonly TrainExample[], lossScale?: number): Promise<LossAndGrad>;
}

/** The outcome of one optimizer step. */
export type StepOutcome =
  | { kind: 'applied'; loss: number; lr: number; gradNorm: number; tokens: number }
  | { kind: 'skipped'; reason: string; consecutive: number; tokens: number; /** Too many in a row: record the skip, then throw this. */ stop?: SpsError; /** A float16 overflow under loss scaling: the scale it backed off from and to. */ lossScale?: { from: number; to: number } };

export interface StepOptions {
  job: JobConfig;
  totalSteps: number;
  /** Training examples by index (the data order yields indices); may wait for tokenization. */
  example: (index: number) => Promise<TrainExample>;
  /** Test hook: makes the gradient of these steps (1-based) NaN. */
  nonFiniteAtSteps?: readonly number[];
  /** Half precision: dynamic loss scaling (its state is kept in the trainer state, so checkpoints carry it). */
  lossScaler?: DynamicLossScaler;
}

function isFiniteArray(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function clonePrompt(p: SoftPrompt): SoftPrompt {
  return softPrompt(p.numVirtualTokens, p.dim, Float64Array.from(p.data));
}

/**
 * One optimizer step at a time: gradAccum micro-batches in data order, weighted by their
 * label tokens (so the loss is the token-level mean over the whole accumulated batch), then
 * clipping and AdamW. A non-finite loss or gradient skips the update (counted); after
 * maxConsecutiveSkips in a row, or if the prompt itself becomes non-finite, the run stops
 * with the last good prompt restored.
 */
export class OptimizerStepper {
  private lastGood: SoftPrompt;

  constructor(
    private readonly position: TrainingPosition,
    private readonly computer: StepComputer,
    private readonly opts: StepOptions,
  ) {
    this.lastGood = clonePrompt(position.prompt);
  }

  /** The accumulated loss and gradient of the next gradAccum batches, and their tokens (prompt included). */
  private async accumulate(): Promise<LossAndGrad & { tokens: number }> {
    const { batchSize, gradAccum } = this.opts.job.training;
    const { prompt, order } = this.position;
    const parts: LossAndGrad[] = [];
    let tokens = 0;
    for (let a = 0; a < gradAccum; a++) {
      const batch = await Promise.all(order.next(batchSize).map((i) => this.opts.example(i)));
      parts.push(await this.computer.step(prompt, batch, this.opts.lossScaler?.scale ?? 1));
      tokens += batch.reduce((s, e) => s + e.ids.length + prompt.numVirtualTokens, 0);
    }
    return { ...combineByLabelTokens(parts, prompt.data.length), tokens };
  }

  async next(): Promise<StepOutcome> {
    const t = this.opts.job.training;
    const pos = this.position;
    const state = pos.state;
    const { loss, grad, tokens } = await this.accumulate();
    state.step++;
    if (this.opts.nonFiniteAtSteps?.includes(state.step)) grad[0] = Number.NaN;

    const lr = lrAt(state.step - 1, { kind: t.schedule, baseLr: t.learningRate, totalSteps: this.opts.totalSteps, warmupRatio: t.warmupRatio });
    const finite = Number.isFinite(loss) && isFiniteArray(grad);
    const scaler = this.opts.lossScaler;
    if (scaler) {
      const u = scaler.update(finite);
      state.lossScale = scaler.state();
      if (u.kind === 'overflow' && !u.atFloor) {
        // Expected now and then in float16: not a failure, so not counted towards the abort.
        state.skippedTotal++;
        return { kind: 'skipped', reason: `float16 overflow at loss scale ${u.from}: step skipped, scale lowered to ${u.to}`, consecutive: state.consecutiveSkips, tokens, lossScale: { from: u.from, to: u.to } };
      }
    }
    if (!finite) {
      state.consecutiveSkips++;
      state.skippedTotal++;
      const skip: StepOutcome = { kind: 'skipped', reason: Number.isFinite(loss) ? 'the gradient is not finite' : 'the loss is not finite', consecutive: state.consecutiveSkips, tokens };
      if (state.consecutiveSkips >= t.maxConsecutiveSkips) {
        pos.prompt = this.lastGood;
        skip.stop = new SpsError('INTERNAL', `${state.consecutiveSkips} steps in a row had a non-finite loss or gradient (last at step ${state.step}); training stopped`, {
          hint: 'lower the learning rate (--lr) or check the data; the last good checkpoint is kept',
        });
      }
      return skip;
    }
    state.consecutiveSkips = 0;
    const gradNorm = clipGradNorm(grad, t.maxGradNorm > 0 ? t.maxGradNorm : Infinity);
    pos.optimizer.step(pos.prompt.data, grad, lr);
    if (!isFiniteArray(pos.prompt.data)) {
      pos.prompt = this.lastGood;
      throw new SpsError('INTERNAL', `the prompt became non-finite at step ${state.step}`, { hint: 'lower the learning rate; the last good checkpoint is kept' });
    }
    this.lastGood = clonePrompt(pos.prompt);
    return { kind: 'applied', loss, lr, gradNorm, tokens };
  }
}
