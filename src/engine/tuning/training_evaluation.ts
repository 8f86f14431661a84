import { SpsError } from '../../shared/errors.js';
import type { Metrics, TrainingEvent } from '../../shared/training_events.js';
import { ForwardRunner } from '../inference/forward_runner.js';
import { ScoreRunner } from '../inference/score_runner.js';
import type { Checkpointer } from './training_checkpoints.js';
import { evaluate, type EvalContext } from './evaluate.js';
import type { TrainingPosition } from './training_position.js';
import type { TrainingSetup } from './training_setup.js';
import { appendMetrics } from './run_dir.js';

/**
 * The run's evaluations: the zero-shot baseline before the first step, and the periodic ones
 * that track the best value of the job's metric, save best/ and count evaluations without
 * improvement (early stopping).
 */
export class TrainingEvaluation {
  /**
   * Set when the baseline waits for the validation set (tokenized in the background): it is
   * then computed right before the first evaluation, with this cache (see `baseline`).
   */
  baselinePending: ((compute: () => Promise<Metrics>) => Promise<Metrics>) | undefined;

  constructor(
    private readonly runDir: string,
    private readonly setup: TrainingSetup,
    private readonly position: TrainingPosition,
    private readonly checkpoints: Checkpointer,
    private readonly emit: (e: TrainingEvent) => void,
    /** The user's cancel: asked between evaluation batches (a cancel stops an evaluation midway). */
    private readonly cancelled: () => boolean = () => false,
  ) {}

  private async context(whole: boolean): Promise<EvalContext> {
    const { maxGenerationExamples: _cap, ...uncapped } = await this.setup.evalContext();
    return { ...(whole ? uncapped : await this.setup.evalContext()), cancelled: this.cancelled };
  }

  /**
   * The bare model's metrics (no prompt), recorded as the baseline at step 0. `cached` lets a
   * sweep compute it once for all its trials (the same model and data give the same numbers).
   */
  async baseline(cached: (compute: () => Promise<Metrics>) => Promise<Metrics> = (c) => c()): Promise<void> {
    this.baselinePending = undefined;
    const { model, job } = this.setup;
    const evalCtx = await this.context(false);
    const provider = job.device;
    const metrics: Metrics = await cached(async () => {
      const scorer = await ScoreRunner.create(model, 0, { dtype: 'float32', provider });
      const gen = job.task.kind === 'generation' ? await ForwardRunner.create(model, 0, { dtype: 'float32', provider }) : undefined;
      try {
        return await evaluate(evalCtx, scorer, gen, undefined);
      } finally {
        await scorer.release();
        await gen?.release();
      }
    });
    appendMetrics(this.runDir, { kind: 'baseline', step: 0, ...metrics });
    this.emit({ type: 'baseline', metrics });
  }

  /**
   * Evaluates the current prompt; an improvement becomes the new best/ checkpoint. `whole`
   * (the run's last evaluation) scores generation on every validation example, whatever
   * cap the job sets for the evaluations during training.
   */
  async run(scorer: ScoreRunner, generator: ForwardRunner | undefined, whole = false): Promise<boolean> {
    if (this.baselinePending) await this.baseline(this.baselinePending);
    const { metric, higherIsBetter, job } = this.setup;
    const evalCtx = await this.context(whole);
    const state = this.position.state;
    const metrics = await evaluate(evalCtx, scorer, generator, this.position.prompt);
    const value = metrics[metric];
    if (typeof value !== 'number') throw new SpsError('INVALID_ARGUMENT', `metric "${metric}" is not computed for a ${job.task.kind} task`, { location: { field: 'training.metric' }, hint: `use one of ${Object.keys(metrics).filter((k) => typeof metrics[k] === 'number').join(', ')}` });
    const improved = state.bestValue === null || (higherIsBetter ? value > state.bestValue : value < state.bestValue);
    if (improved) {
      state.bestValue = value;
      state.bestStep = state.step;
      state.evalsWithoutImprovement = 0;
    } else {
      state.evalsWithoutImprovement++;
    }
    appendMetrics(this.runDir, { kind: 'evaluation', step: state.step, ...metrics, best: improved });
    this.emit({ type: 'evaluation', step: state.step, metrics, best: improved });
    if (improved) this.checkpoints.saveAs('best');
    return improved;
  }

  /** Early stopping: the metric did not improve for `patience` evaluations (0: never stop). */
  shouldStop(): boolean {
    const p = this.setup.job.training.patience;
    return p > 0 && this.position.state.evalsWithoutImprovement >= p;
  }
}
