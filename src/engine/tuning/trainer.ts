import { stepShapeOf } from '../../shared/memory_estimate.js';
import type { Metrics, TrainingEvent } from '../../shared/training_events.js';
import { ForwardRunner } from '../inference/forward_runner.js';
import { ScoreRunner } from '../inference/score_runner.js';
import { readRunJob } from './run.js';
import { appendMetrics, readMetrics, readState, writeStateAtomic } from './run_dir.js';
import { TrainStepRunner } from './train_step_runner.js';
import { DynamicLossScaler } from './loss_scaling.js';
import { jobPrecision } from './job_precision.js';
import { Checkpointer } from './training_checkpoints.js';
import { EvaluationCancelled } from './evaluate.js';
import { TrainingEvaluation } from './training_evaluation.js';
import { startOrResume, type TrainingPosition } from './training_position.js';
import { dataKeyOf, prepareTraining, type TrainingSetup } from './training_setup.js';
import { freshResources, type TrainerResources } from './trainer_resources.js';
import { OptimizerStepper } from './training_step.js';

/**
 * A training run from its job to its end, in parts:
 *   prepareTraining (training_setup.ts)  model + tokenized data + metric + step count
 *   startOrResume (training_position.ts) fresh start or the newest verified checkpoint
 *   TrainingEvaluation                   baseline, periodic evaluation, best/, early stopping
 *   OptimizerStepper (training_step.ts)  accumulate, skip non-finite steps, AdamW
 *   Checkpointer                         one checkpoint per step, best/ and final/
 * and here: the loop that obeys pause / cancel and reports progress.
 */

/** Pause / cancel requests, set by the worker from its parent's commands. */
export interface TrainingControl {
  readonly paused: boolean;
  readonly cancelled: boolean;
  /** Resolves when the run is resumed or cancelled. */
  waitForResume(): Promise<void>;
}

/** Hooks for tests: fault injection without touching the real code paths. */
export interface TrainerTestHooks {
  /** Makes the gradient of these optimizer steps NaN (1-based step numbers). */
  nonFiniteAtSteps?: number[];
  /** Called at each stage of a checkpoint write (to kill the process mid-write). */
  onCheckpointStage?: (step: number, stage: string) => void;
  /** Half precision: start the loss scale here (a large one forces float16 overflow skips). */
  initialLossScale?: number;
  /** Train while tokenizing even when the data is small (default: from BACKGROUND_MIN_EXAMPLES). */
  backgroundTokenization?: boolean;
  /** Tokenizer threads (0: on the training thread). */
  tokenizerThreads?: number;
}

/**
 * Below this many examples a run tokenizes everything before its first step (as fast as it
 * gets, and the events come in the classic order: baseline first). Above it, training starts
 * once its first batches are tokenized (at once when the cache is complete) and the baseline
 * is computed right before the first evaluation.
 */
export const BACKGROUND_MIN_EXAMPLES = 20_000;

export interface TrainingOptions {
  resume: boolean;
  emit: (e: TrainingEvent) => void;
  control: TrainingControl;
  hooks?: TrainerTestHooks;
  /**
   * A sweep stops a trial at its rung's steps: evaluated, checkpointed, status 'stopped',
   * resumable. The schedule stays the full run's, so the continued run is the uninterrupted one.
   */
  stopAtStep?: number;
  /** Model, data, sessions and baseline shared across a sweep's trials (default: made here). */
  resources?: TrainerResources;
}

type RunStatusWritten = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'stopped';

/**
 * Runs (or resumes) a training run in `runDir` to its end. Deterministic for a seed on CPU:
 * a run resumed from any checkpoint ends with the same prompt, bit for bit, as an
 * uninterrupted one. Throws SpsError on failure after recording it in state.json.
 */
export async function runTraining(runDir: string, opts: TrainingOptions): Promise<'completed' | 'cancelled' | 'stopped'> {
  const { emit } = opts;
  const { job, fingerprints, createdAt } = readRunJob(runDir);
  const setState = (status: RunStatusWritten, extra: Record<string, unknown> = {}) =>
    writeStateAtomic(runDir, { ...(readState(runDir) ?? {}), status, ...extra, updatedAt: new Date().toISOString() });

  const res = opts.resources ?? freshResources;
  // job.json's data fingerprints spare hashing a large file again while it is unchanged.
  const setup = await prepareTraining(job, emit, res, { takenAt: createdAt, train: fingerprints.train, ...(fingerprints.validation ? { validation: fingerprints.validation } : {}) });
  try {
    return await trainWithData(runDir, setup, res, opts, setState);
  } finally {
    // A sweep's resource cache keeps the data open for its next trials.
    if (res.callerReleases) await setup.data.close();
  }
}

async function trainWithData(runDir: string, setup: TrainingSetup, res: TrainerResources, opts: TrainingOptions, setState: (status: RunStatusWritten, extra?: Record<string, unknown>) => void): Promise<'completed' | 'cancelled' | 'stopped'> {
  const { emit } = opts;
  const { job, model, data, totalSteps } = setup;
  const stopAt = Math.min(totalSteps, opts.stopAtStep ?? totalSteps);
  const position = startOrResume(runDir, job, model, {
    resume: opts.resume,
    numTrain: data.numTrain,
    ...(data.verbalizerIds ? { verbalizerIds: data.verbalizerIds } : {}),
    log: (message, level) => emit({ type: 'log', level, message }),
  });
  // Large data: the first step does not wait for tokenization, nor for the baseline (an
  // evaluation over the whole validation set), also when the cache is complete already.
  const large = opts.hooks?.backgroundTokenization ?? data.numTrain + data.numValidation >= BACKGROUND_MIN_EXAMPLES;
  const background = !data.complete && large;
  const tokenized = tokenizeForRun(setup, position, opts);
  // In the background a failure reaches the trainer when it asks for an example.
  tokenized.catch(() => undefined);
  if (!background) await tokenized;
  setState('running', { step: position.state.step, totalSteps, pid: process.pid, message: undefined });
  const precision = await jobPrecision(job);
  const device = precision === 'fp16' ? `${job.device} (fp16)` : job.device;
  emit({ type: 'started', runDir, totalSteps, step: position.state.step, device, numTrain: data.numTrain, numValidation: data.numValidation, resumed: position.resumed });

  const n = job.prompt.numVirtualTokens;
  const compute = { dtype: 'float32' as const, provider: job.device, precision };
  const sessionKey = `${job.model.path}:${n}:${job.device}:${precision}`;
  // The batch shape lets 'auto' choose keep-everything or layer-wise by the estimated peak.
  const workload = stepShapeOf(job.task.kind, job.training.batchSize, job.training.maxLength, n);
  const trainer = await res.runner(`train:${sessionKey}`, () => TrainStepRunner.create(model, n, { ...compute, workload }));
  emit({ type: 'log', level: 'info', message: trainer.placement });
  const scorer = await res.runner(`score:${sessionKey}`, () => ScoreRunner.create(model, n, compute));
  const generator = job.task.kind === 'generation' ? await res.runner(`forward:${sessionKey}`, () => ForwardRunner.create(model, n, compute)) : undefined;
  const checkpoints = new Checkpointer(runDir, position, emit, opts.hooks?.onCheckpointStage);
  const evaluation = new TrainingEvaluation(runDir, setup, position, checkpoints, emit, () => opts.control.cancelled);
  try {
    // A resumed run that stopped before its (deferred) baseline still owes one.
    const needsBaseline = !position.resumed || !readMetrics(runDir).some((m) => m.kind === 'baseline');
    const cachedBaseline = (compute: () => Promise<Metrics>) => res.baseline(`${dataKeyOf(job)}:${job.training.evalBatchSize}:${job.device}:${precision}`, compute);
    if (needsBaseline && large) evaluation.baselinePending = cachedBaseline;
    else if (needsBaseline) await cancellable(evaluation.baseline(cachedBaseline));
    const stepper = new OptimizerStepper(position, trainer, {
      job,
      totalSteps,
      example: (k) => data.train(k),
      ...(opts.hooks?.nonFiniteAtSteps ? { nonFiniteAtSteps: opts.hooks.nonFiniteAtSteps } : {}),
      ...(precision === 'fp16' ? { lossScaler: new DynamicLossScaler(position.state.lossScale ?? (opts.hooks?.initialLossScale ? { scale: opts.hooks.initialLossScale, cleanSteps: 0 } : undefined)) } : {}),
    });
    let stopReason = await trainLoop({ runDir, setup, position, stepper, checkpoints, setState, opts, stopAt, evaluate: (whole) => evaluation.run(scorer, generator, whole), shouldStop: () => evaluation.shouldStop() });

    const cancelled = opts.control.cancelled;
    const { state } = position;
    const stopped = !cancelled && stopReason === REACHED_END && state.step === stopAt && stopAt < totalSteps;
    if (stopped) stopReason = `stopped at step ${stopAt} of ${totalSteps} (the sweep's budget for this rung); resume continues it`;
    if (cancelled || stopped) checkpoints.save();
    else checkpoints.saveAs('final');
    const best = state.bestStep !== null && state.bestValue !== null ? { step: state.bestStep, metric: setup.metric, value: state.bestValue } : null;
    const status = cancelled ? 'cancelled' : stopped ? 'stopped' : 'completed';
    setState(status, { step: state.step, best, reason: cancelled ? 'cancelled' : stopReason });
    emit({ type: 'finished', status, step: state.step, reason: cancelled ? 'cancelled by the user' : stopReason, best });
    return status;
  } finally {
    if (res.callerReleases) {
      await trainer.release();
      await scorer.release();
      await generator?.release();
    }
  }
}

/**
 * Tokenizes what the token cache lacks in the order the run needs it (its data order, so the
 * order never depends on what is tokenized when): the steps up to the first evaluation, the
 * validation set, then the rest; reports progress and, once done, how many examples are cut
 * to maxLength.
 */
function tokenizeForRun(setup: TrainingSetup, position: TrainingPosition, opts: TrainingOptions): Promise<void> {
  const { data, job } = setup;
  const { emit } = opts;
  const done = (): void => {
    const truncated = data.truncatedCount();
    if (truncated > 0) emit({ type: 'log', level: 'warn', message: `${truncated} example(s) were truncated to ${job.training.maxLength} tokens` });
  };
  if (data.complete) {
    done();
    return Promise.resolve();
  }
  const t = job.training;
  const stepsToEval = Math.min(t.evalEvery, setup.totalSteps) - (position.state.step % t.evalEvery);
  return data
    .tokenize(position.order.upcoming(), {
      beforeEval: Math.max(1, stepsToEval) * t.batchSize * t.gradAccum,
      ...(opts.hooks?.tokenizerThreads !== undefined ? { threads: opts.hooks.tokenizerThreads } : {}),
      onProgress: (p) => emit({ type: 'tokenizing', file: p.file, done: p.done, total: p.total, tokensPerSecond: p.tokensPerSecond, etaSeconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : -1 }),
    })
    .then(done);
}

interface LoopParts {
  runDir: string;
  setup: TrainingSetup;
  position: TrainingPosition;
  stepper: OptimizerStepper;
  checkpoints: Checkpointer;
  setState: (status: RunStatusWritten, extra?: Record<string, unknown>) => void;
  opts: TrainingOptions;
  /** The last step of this call (below totalSteps when a sweep stops the run early). */
  stopAt: number;
  /** `whole`: the last step's evaluation, on every validation example. */
  evaluate: (whole: boolean) => Promise<boolean>;
  shouldStop: () => boolean;
}

/** Steps until the last one, a cancel, or early stopping; returns why it stopped. */
async function trainLoop(p: LoopParts): Promise<string> {
  const { position, setup, opts } = p;
  const { control, emit } = opts;
  const { state, order } = position;
  const t = setup.job.training;
  const totalSteps = setup.totalSteps;
  let tokensSinceReport = 0;
  let timeMark = performance.now();
  const startStep = state.step;
  const startTime = performance.now();

  while (state.step < p.stopAt) {
    if (control.cancelled) break;
    if (control.paused) {
      p.checkpoints.save();
      p.setState('paused', { step: state.step });
      emit({ type: 'paused', step: state.step });
      await control.waitForResume();
      if (control.cancelled) break;
      p.setState('running', { step: state.step });
      emit({ type: 'resumed', step: state.step });
      timeMark = performance.now();
    }

    const outcome = await p.stepper.next();
    tokensSinceReport += outcome.tokens;
    if (outcome.kind === 'skipped') {
      emit({ type: 'skipped', step: state.step, consecutive: outcome.consecutive, reason: outcome.reason });
      appendMetrics(p.runDir, { kind: 'skipped', step: state.step, reason: outcome.reason, ...(outcome.lossScale ? { lossScaleFrom: outcome.lossScale.from, lossScaleTo: outcome.lossScale.to } : {}) });
      if (outcome.stop) throw outcome.stop;
      continue;
    }

    const now = performance.now();
    const tokensPerSecond = (tokensSinceReport * 1000) / Math.max(1e-9, now - timeMark);
    tokensSinceReport = 0;
    timeMark = now;
    const secondsPerStep = (now - startTime) / 1000 / (state.step - startStep);
    const { loss, lr, gradNorm } = outcome;
    const progress = { step: state.step, totalSteps, epoch: order.epoch, loss, lr, gradNorm, tokensPerSecond, etaSeconds: secondsPerStep * (totalSteps - state.step), skipped: state.skippedTotal };
    appendMetrics(p.runDir, { kind: 'train', ...progress });
    emit({ type: 'progress', ...progress });

    if (state.step % t.evalEvery === 0 || state.step === totalSteps || state.step === p.stopAt) {
      if (!(await cancellable(p.evaluate(state.step === totalSteps)))) break;
      if (p.shouldStop()) return `early stopping: ${setup.metric} did not improve for ${t.patience} evaluation(s)`;
    }
    if (state.step % t.checkpointEvery === 0) p.checkpoints.save();
  }
  return REACHED_END;
}

const REACHED_END = 'reached the last step';

/**
 * Awaits an evaluation; false when the user cancelled it midway (its partial results are
 * dropped, the run then ends as cancelled from its last step's state).
 */
async function cancellable(evaluation: Promise<unknown>): Promise<boolean> {
  try {
    await evaluation;
    return true;
  } catch (err) {
    if (err instanceof EvaluationCancelled) return false;
    throw err;
  }
}
