import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import type { SweepEvent, SweepState, TrialResult, TrialState } from '../../shared/sweep_state.js';
import type { SerializedError, TrainingEvent } from '../../shared/training_events.js';
import { createRun } from '../tuning/run.js';
import { readMetrics, readState, runPaths } from '../tuning/run_dir.js';
import { promote } from './halving.js';
import { recommend } from './recommend.js';
import { readSweep, readSweepState, writeSweepState } from './sweep_dir.js';
import { trialJob } from './trial_job.js';

/** Runs one segment of a trial: its run, from a checkpoint when `resume`, up to `stopAtStep`. */
export interface SegmentRequest {
  trial: string;
  runDir: string;
  resume: boolean;
  stopAtStep: number;
  onEvent: (e: TrainingEvent) => void;
}

export interface SegmentOutcome {
  status: 'stopped' | 'completed' | 'cancelled' | 'failed';
  error?: SerializedError;
}

/**
 * How trials run: the CLI starts a worker process per segment; the app puts the segment on
 * its job queue. Either way a segment is an ordinary run of the trial's run folder.
 */
export interface TrialExecutor {
  runSegment(req: SegmentRequest): Promise<SegmentOutcome>;
}

export interface SweepControl {
  readonly cancelled: boolean;
}

export interface SweepRunOptions {
  executor: TrialExecutor;
  emit: (e: SweepEvent) => void;
  control?: SweepControl;
  /** Milliseconds clock (tests move time for the wall-time budget). */
  now?: () => number;
}

/** What a trial's run folder says it reached: its step, best metric and last validation loss. */
function harvest(runDir: string, rung: number, seconds: number): TrialResult | undefined {
  const st = readState(runDir);
  const best = st?.best as { value?: unknown } | null | undefined;
  if (!st || typeof best?.value !== 'number') return undefined;
  const evals = readMetrics(runDir).filter((m) => m.kind === 'evaluation');
  const valLoss = evals.at(-1)?.val_loss;
  return { rung, step: Number(st.step ?? 0), value: best.value, ...(typeof valLoss === 'number' ? { valLoss } : {}), seconds };
}

/**
 * Runs (or continues) the sweep in `dir` until its schedule ends, its budget is used up or it
 * is cancelled. Everything it decides is written to state.json before it acts on it, and every
 * trial is an ordinary resumable run: after a crash, calling this again skips finished trials
 * and rungs, resumes an interrupted trial from its last checkpoint, and never recreates a run.
 */
export async function runSweep(dir: string, opts: SweepRunOptions): Promise<SweepState> {
  const { executor, emit } = opts;
  const now = opts.now ?? (() => performance.now());
  const { config, plan } = readSweep(dir);
  const state = readSweepState(dir);
  const resumed = state.status !== 'created';
  const sessionStart = now();
  const elapsedBefore = state.elapsedSeconds;
  const elapsed = () => elapsedBefore + (now() - sessionStart) / 1000;
  const runDirOf = (id: string) => join(dir, plan.trials.find((t) => t.id === id)!.runDir);
  // Steps are counted from the run folders themselves, so a crash never loses or doubles them.
  const stepsUsed = () =>
    plan.trials.reduce((sum, t) => {
      const rd = join(dir, t.runDir);
      return sum + (existsSync(runPaths(rd).state) ? Number(readState(rd)?.step ?? 0) : 0);
    }, 0);
  const save = (patch: Partial<SweepState> = {}) => {
    Object.assign(state, patch, { stepsUsed: stepsUsed(), elapsedSeconds: elapsed(), pid: process.pid });
    writeSweepState(dir, state);
  };
  const finish = (status: SweepState['status'], reason: string): SweepState => {
    save({ status, reason });
    emit({ type: 'sweep-finished', status, reason, stepsUsed: state.stepsUsed, elapsedSeconds: state.elapsedSeconds, recommendation: recommend(plan, state) });
    return state;
  };

  delete state.reason;
  save({ status: 'running' });
  emit({ type: 'sweep-started', dir, trials: plan.trials.length, rungs: plan.rungs, plannedSteps: plan.plannedSteps, fullGridSteps: plan.fullGridSteps, note: plan.note, resumed });

  const last = plan.rungs.length - 1;
  for (let rung = 0; rung <= last; rung++) {
    const stopAtStep = plan.rungs[rung]!;
    const participants = rung === 0 ? plan.trials.map((t) => t.id) : state.decisions.find((d) => d.rung === rung - 1)!.promoted;
    for (const id of participants) {
      const trial: TrialState = state.trials[id]!;
      if (trial.status === 'failed' || trial.results.some((r) => r.rung === rung)) continue;
      if (opts.control?.cancelled) return finish('cancelled', `cancelled; \`sps sweep resume ${dir}\` continues where it stopped`);
      const runDir = runDirOf(id);
      const exists = existsSync(runPaths(runDir).job);
      const runState = exists ? readState(runDir) : undefined;
      const fromStep = Number(runState?.step ?? 0);

      // The run already got this rung's steps (a crash came after the segment, before the
      // sweep recorded it) or ended by itself (patience): record it, run nothing.
      if (runState && (runState.status === 'completed' || (runState.status === 'stopped' && fromStep >= stopAtStep))) {
        const result = harvest(runDir, rung, 0);
        if (result) {
          trial.results.push(result);
          trial.rung = rung;
          trial.status = runState.status === 'completed' ? 'completed' : 'waiting';
          if (runState.status === 'completed' && result.step < stopAtStep) trial.reason = `its run ended by itself at step ${result.step}: ${String(runState.reason ?? '')}`;
          save();
          emit({ type: 'trial-finished', trial: id, rung, status: trial.status, result, ...(trial.reason ? { reason: trial.reason } : {}) });
          continue;
        }
      }

      // Budgets are checked before a segment starts: a running segment always finishes its rung.
      const { totalSteps, wallSeconds } = config.budget;
      if (wallSeconds !== undefined && elapsed() >= wallSeconds) {
        return finish('stopped', `the wall-time budget (${wallSeconds} s) is used up after ${Math.round(elapsed())} s; ${pendingWords(state)}`);
      }
      if (totalSteps !== undefined && stepsUsed() + (stopAtStep - fromStep) > totalSteps) {
        const left = totalSteps - stepsUsed();
        return finish('stopped', `the step budget (${totalSteps}) would be exceeded: ${id} needs ${stopAtStep - fromStep} more steps, ${left} are left; ${pendingWords(state)}`);
      }

      trial.status = 'running';
      trial.rung = rung;
      save();
      const resume = exists;
      if (!exists) {
        try {
          createRun(runDir, trialJob(config.job, plan.trials.find((t) => t.id === id)!.settings, `${config.name ?? 'sweep'} ${id}`));
        } catch (e) {
          const err = e instanceof SpsError ? e : new SpsError('INTERNAL', String(e));
          trial.status = 'failed';
          trial.reason = err.message;
          save();
          emit({ type: 'trial-finished', trial: id, rung, status: 'failed', reason: err.message });
          continue;
        }
      }
      emit({ type: 'trial-started', trial: id, rung, fromStep, stopAtStep, resumed: resume, settings: plan.trials.find((t) => t.id === id)!.settings });
      const t0 = now();
      const outcome = await executor.runSegment({ trial: id, runDir, resume, stopAtStep, onEvent: (event) => emit({ type: 'trial-event', trial: id, event }) });
      const seconds = (now() - t0) / 1000;
      if (outcome.status === 'cancelled') {
        save();
        return finish('cancelled', `cancelled during ${id}; \`sps sweep resume ${dir}\` continues it from its last checkpoint`);
      }
      const result = outcome.status === 'failed' ? undefined : harvest(runDir, rung, seconds);
      if (!result) {
        trial.status = 'failed';
        trial.reason = outcome.error?.message ?? 'the run ended without an evaluation';
        save();
        emit({ type: 'trial-finished', trial: id, rung, status: 'failed', reason: trial.reason });
        continue;
      }
      trial.results.push(result);
      const ended = readState(runDir);
      trial.status = ended?.status === 'completed' ? 'completed' : 'waiting';
      if (ended?.status === 'completed' && result.step < stopAtStep) trial.reason = `its run ended by itself at step ${result.step}: ${String(ended.reason ?? '')}`;
      save();
      emit({ type: 'trial-finished', trial: id, rung, status: trial.status, result, ...(trial.reason ? { reason: trial.reason } : {}) });
    }

    const finished = participants.flatMap((id) => {
      const r = state.trials[id]!.results.find((x) => x.rung === rung);
      return r && state.trials[id]!.status !== 'failed' ? [{ id, value: r.value, ...(r.valLoss !== undefined ? { tiebreak: r.valLoss } : {}) }] : [];
    });
    if (rung === last) {
      for (const { id } of finished) {
        state.trials[id]!.status = 'completed';
      }
      break;
    }
    if (!state.decisions.some((d) => d.rung === rung)) {
      const { ranked, promoted } = promote(finished, plan.eta, plan.higherIsBetter);
      const next = plan.rungs[rung + 1]!;
      const rule = `the best ${promoted.length} of ${finished.length} (1/${plan.eta}) by ${plan.metric} at ${stopAtStep} steps continue to ${next} steps`;
      state.decisions.push({ rung, steps: stopAtStep, ranked, promoted, rule });
      ranked.forEach((id, rank) => {
        const t = state.trials[id]!;
        if (promoted.includes(id) || t.status === 'completed') return;
        t.status = 'stopped';
        t.reason = `rank ${rank + 1} of ${ranked.length} at ${stopAtStep} steps: not in the best ${promoted.length}`;
      });
      save();
      emit({ type: 'rung-decided', decision: state.decisions.at(-1)! });
    }
  }
  const ok = Object.values(state.trials).some((t) => t.results.length > 0);
  return ok ? finish('completed', `all ${plan.rungs.length} rung(s) done`) : finish('failed', 'every trial failed; see the trials’ worker logs');
}

function pendingWords(state: SweepState): string {
  const pending = Object.values(state.trials).filter((t) => t.status === 'pending').length;
  return pending > 0 ? `${pending} trial(s) never started` : 'no trial is left unstarted';
}
