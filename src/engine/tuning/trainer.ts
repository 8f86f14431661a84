import { SpsError } from '../../shared/errors.js';
import { stopTokenIds as stopTokensOf } from '../inference/stop_tokens.js';
import { defaultMetric, metricDirection, type JobConfig } from '../../shared/job.js';
import type { Metrics, TrainingEvent } from '../../shared/training_events.js';
import { ForwardRunner } from '../inference/forward_runner.js';
import { ScoreRunner } from '../inference/score_runner.js';
import type { LoadedModel } from '../models/load_model.js';
import { copyCheckpointTo, pruneCheckpoints, readLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import { evaluate, type EvalContext } from './evaluate.js';
import { initialPrompt } from './job_prompt_init.js';
import { AdamW, clipGradNorm } from './optimizer.js';
import { prepareTaskData, type TaskData, type TrainExample } from './prepare_data.js';
import { Rng } from './rng.js';
import { DataOrder } from './data_order.js';
import { readRunJob } from './run.js';
import { appendMetrics, readState, writeStateAtomic } from './run_dir.js';
import { lrAt } from './schedule.js';
import { freshResources, type TrainerResources } from './trainer_resources.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';
import { combineByLabelTokens, TrainStepRunner, type LossAndGrad } from './train_step_runner.js';

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
}

/** What the trainer keeps in a checkpoint besides the prompt and the optimizer. */
interface TrainerState {
  step: number;
  epoch: number;
  /** RNG state before the current epoch's shuffle, and position within that order. */
  epochRng: number[];
  cursor: number;
  bestValue: number | null;
  bestStep: number | null;
  evalsWithoutImprovement: number;
  consecutiveSkips: number;
  skippedTotal: number;
}

const KEEP_CHECKPOINTS = 2;
const MAX_GENERATION_EVAL = 32;

function totalStepsOf(job: JobConfig, numTrain: number): number {
  if (job.training.steps !== undefined) return job.training.steps;
  const perStep = job.training.batchSize * job.training.gradAccum;
  return Math.max(1, Math.ceil((job.training.epochs! * numTrain) / perStep));
}

function isFiniteArray(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function clonePrompt(p: SoftPrompt): SoftPrompt {
  return softPrompt(p.numVirtualTokens, p.dim, Float64Array.from(p.data));
}

/**
 * Runs (or resumes) a training run in `runDir` to its end. Deterministic for a seed on CPU:
 * a run resumed from any checkpoint ends with the same prompt, bit for bit, as an
 * uninterrupted one. Throws SpsError on failure after recording it in state.json.
 */
export async function runTraining(
  runDir: string,
  opts: { resume: boolean; emit: (e: TrainingEvent) => void; control: TrainingControl; hooks?: TrainerTestHooks; stopAtStep?: number; resources?: TrainerResources },
): Promise<'completed' | 'cancelled' | 'stopped'> {
  const { emit, control, hooks } = opts;
  const { job } = readRunJob(runDir);
  const t = job.training;
  const log = (message: string, level: 'info' | 'warn' = 'info') => emit({ type: 'log', level, message });
  const setState = (status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'stopped', extra: Record<string, unknown> = {}) =>
    writeStateAtomic(runDir, { ...(readState(runDir) ?? {}), status, ...extra, updatedAt: new Date().toISOString() });

  const res = opts.resources ?? freshResources;
  const model: LoadedModel = res.model(job.model.path);
  // Reading a large dataset takes a while: report it, at most every 2% of a file.
  let lastReported = { file: '', fraction: -1 };
  const dataKey = JSON.stringify([job.model.path, job.data, job.task, t.maxLength, t.appendEos, t.seed]);
  const data: TaskData = await res.data(dataKey, () =>
    prepareTaskData(job, model, (file, read, total) => {
      const fraction = total > 0 ? read / total : 1;
      if (file === lastReported.file && fraction < 1 && fraction - lastReported.fraction < 0.02) return;
      lastReported = { file, fraction };
      emit({ type: 'loading', file, bytesRead: read, totalBytes: total });
    }),
  );
  for (const w of data.warnings.slice(0, 20)) log(w, 'warn');
  if (data.truncated > 0) log(`${data.truncated} example(s) were truncated to ${t.maxLength} tokens`, 'warn');
  const metric = t.metric ?? defaultMetric(job.task.kind).name;
  const higherIsBetter = metricDirection(metric);
  const totalSteps = totalStepsOf(job, data.train.length);
  // A sweep stops a trial at its rung's steps (evaluated, checkpointed, resumable later); the
  // schedule stays the full run's, so the continued run is the uninterrupted one.
  const stopAt = Math.min(totalSteps, opts.stopAtStep ?? totalSteps);
  const n = job.prompt.numVirtualTokens;
  const provider = job.device;
  const stopTokenIds = stopTokensOf(model);
  const evalCtx: EvalContext = {
    kind: job.task.kind,
    validation: data.validation,
    ...(data.labels ? { labels: data.labels } : {}),
    ...(data.verbalizerIds ? { verbalizerIds: data.verbalizerIds } : {}),
    batchSize: t.evalBatchSize,
    maxGenerationExamples: MAX_GENERATION_EVAL,
    stopTokenIds,
  };

  // Start fresh or from the newest checkpoint whose manifest verifies.
  let prompt: SoftPrompt;
  let optimizer: AdamW;
  let state: TrainerState;
  let order: DataOrder;
  const adamConfig = { betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: t.weightDecay };
  const latest = opts.resume ? readLatestCheckpoint(runDir) : { checkpoint: undefined, skipped: [] };
  for (const s of latest.skipped) log(`skipped checkpoint ${s.dir}: ${s.reason}`, 'warn');
  if (latest.checkpoint) {
    const c = latest.checkpoint;
    prompt = c.prompt;
    optimizer = AdamW.fromState(c.optimizer, adamConfig);
    state = c.trainerState as unknown as TrainerState;
    order = DataOrder.restore(data.train.length, state);
  } else {
    const initRng = Rng.fromSeed((t.seed ^ 0x5eed) >>> 0);
    prompt = initialPrompt(job, model, initRng, data.verbalizerIds);
    optimizer = new AdamW(prompt.data.length, adamConfig);
    order = DataOrder.fresh(data.train.length, t.seed);
    state = { step: 0, epoch: 0, epochRng: order.epochRng, cursor: 0, bestValue: null, bestStep: null, evalsWithoutImprovement: 0, consecutiveSkips: 0, skippedTotal: 0 };
  }
  const resumed = latest.checkpoint !== undefined;
  setState('running', { step: state.step, totalSteps, pid: process.pid, message: undefined });
  emit({ type: 'started', runDir, totalSteps, step: state.step, device: provider, numTrain: data.train.length, numValidation: data.validation.length, resumed });

  const sessionKey = `${job.model.path}:${n}:${provider}`;
  const trainer = await res.runner(`train:${sessionKey}`, () => TrainStepRunner.create(model, n, { dtype: 'float32', provider }));
  const scorer = await res.runner(`score:${sessionKey}`, () => ScoreRunner.create(model, n, { dtype: 'float32', provider }));
  const generator = job.task.kind === 'generation' ? await res.runner(`forward:${sessionKey}`, () => ForwardRunner.create(model, n, { dtype: 'float32', provider })) : undefined;

  // One checkpoint per step: an improving evaluation, the periodic save, a pause and the end of
  // the run may all ask at the same step, with the same state.
  let checkpointedAt = -1;
  const checkpoint = (): void => {
    if (checkpointedAt === state.step) return;
    checkpointedAt = state.step;
    const trainerState: TrainerState = { ...state, epoch: order.epoch, cursor: order.cursor, epochRng: order.epochRng };
    const dir = writeCheckpoint(runDir, state.step, { prompt, optimizer: optimizer.state(), trainerState: trainerState as unknown as Record<string, unknown> }, {
      onStage: (stage) => hooks?.onCheckpointStage?.(state.step, stage),
    });
    pruneCheckpoints(runDir, KEEP_CHECKPOINTS);
    emit({ type: 'checkpoint', step: state.step, path: dir });
  };

  const runEvaluation = async (): Promise<boolean> => {
    const metrics = await evaluate(evalCtx, scorer, generator, prompt);
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
    appendMetrics(runDir, { kind: 'evaluation', step: state.step, ...metrics, best: improved });
    emit({ type: 'evaluation', step: state.step, metrics, best: improved });
    if (improved) {
      checkpoint();
      copyCheckpointTo(runDir, state.step, 'best');
    }
    return improved;
  };

  try {
    if (!resumed) {
      // The model without a prompt: the same for every trial of a sweep, so computed once there.
      const baseline: Metrics = await res.baseline(`${dataKey}:${t.evalBatchSize}:${provider}`, async () => {
        const baseScorer = await ScoreRunner.create(model, 0, { dtype: 'float32', provider });
        const baseGen = job.task.kind === 'generation' ? await ForwardRunner.create(model, 0, { dtype: 'float32', provider }) : undefined;
        try {
          return await evaluate(evalCtx, baseScorer, baseGen, undefined);
        } finally {
          await baseScorer.release();
          await baseGen?.release();
        }
      });
      appendMetrics(runDir, { kind: 'baseline', step: 0, ...baseline });
      emit({ type: 'baseline', metrics: baseline });
    }

    let lastGood = clonePrompt(prompt);
    let tokensSinceReport = 0;
    let timeMark = performance.now();
    const startStep = state.step;
    const startTime = performance.now();
    let stopReason = 'reached the last step';

    while (state.step < stopAt) {
      if (control.cancelled) break;
      if (control.paused) {
        checkpoint();
        setState('paused', { step: state.step });
        emit({ type: 'paused', step: state.step });
        await control.waitForResume();
        if (control.cancelled) break;
        setState('running', { step: state.step });
        emit({ type: 'resumed', step: state.step });
        timeMark = performance.now();
      }

      // One optimizer step: gradAccum micro-batches, weighted by their label tokens so the
      // loss is the token-level mean over the whole accumulated batch.
      const parts: LossAndGrad[] = [];
      for (let a = 0; a < t.gradAccum; a++) {
        const batch: TrainExample[] = order.next(t.batchSize).map((i) => data.train[i]!);
        parts.push(await trainer.step(prompt, batch));
        tokensSinceReport += batch.reduce((s, e) => s + e.ids.length + n, 0);
      }
      const { loss, grad } = combineByLabelTokens(parts, prompt.data.length);
      state.step++;
      if (hooks?.nonFiniteAtSteps?.includes(state.step)) grad[0] = Number.NaN;

      const lr = lrAt(state.step - 1, { kind: t.schedule, baseLr: t.learningRate, totalSteps, warmupRatio: t.warmupRatio });
      if (!Number.isFinite(loss) || !isFiniteArray(grad)) {
        state.consecutiveSkips++;
        state.skippedTotal++;
        const reason = Number.isFinite(loss) ? 'the gradient is not finite' : 'the loss is not finite';
        emit({ type: 'skipped', step: state.step, consecutive: state.consecutiveSkips, reason });
        appendMetrics(runDir, { kind: 'skipped', step: state.step, reason });
        if (state.consecutiveSkips >= t.maxConsecutiveSkips) {
          prompt = lastGood;
          throw new SpsError('INTERNAL', `${state.consecutiveSkips} steps in a row had a non-finite loss or gradient (last at step ${state.step}); training stopped`, {
            hint: 'lower the learning rate (--lr) or check the data; the last good checkpoint is kept',
          });
        }
        continue;
      }
      state.consecutiveSkips = 0;
      const gradNorm = clipGradNorm(grad, t.maxGradNorm > 0 ? t.maxGradNorm : Infinity);
      optimizer.step(prompt.data, grad, lr);
      if (!isFiniteArray(prompt.data)) {
        prompt = lastGood;
        throw new SpsError('INTERNAL', `the prompt became non-finite at step ${state.step}`, { hint: 'lower the learning rate; the last good checkpoint is kept' });
      }
      lastGood = clonePrompt(prompt);

      const now = performance.now();
      const tokensPerSecond = (tokensSinceReport * 1000) / Math.max(1e-9, now - timeMark);
      tokensSinceReport = 0;
      timeMark = now;
      const secondsPerStep = (now - startTime) / 1000 / (state.step - startStep);
      const progress = { step: state.step, totalSteps, epoch: order.epoch, loss, lr, gradNorm, tokensPerSecond, etaSeconds: secondsPerStep * (totalSteps - state.step), skipped: state.skippedTotal };
      appendMetrics(runDir, { kind: 'train', ...progress });
      emit({ type: 'progress', ...progress });

      if (state.step % t.evalEvery === 0 || state.step === totalSteps || state.step === stopAt) {
        await runEvaluation();
        if (t.patience > 0 && state.evalsWithoutImprovement >= t.patience) {
          stopReason = `early stopping: ${metric} did not improve for ${t.patience} evaluation(s)`;
          break;
        }
      }
      if (state.step % t.checkpointEvery === 0) checkpoint();
    }

    const cancelled = control.cancelled;
    const stopped = !cancelled && state.step === stopAt && stopAt < totalSteps && stopReason === 'reached the last step';
    if (stopped) stopReason = `stopped at step ${stopAt} of ${totalSteps} (the sweep's budget for this rung); resume continues it`;
    checkpoint();
    if (!cancelled && !stopped) copyCheckpointTo(runDir, state.step, 'final');
    const best = state.bestStep !== null && state.bestValue !== null ? { step: state.bestStep, metric, value: state.bestValue } : null;
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
