/**
 * What a sweep folder records and reports, as plain data shared by the engine (which writes
 * it), the CLI (--json events) and the renderer (the comparison view). See engine/sweep/.
 */
import type { SweepConfig, SweepDimension, TrialSettings } from './sweep.js';
import type { TrainingEvent } from './training_events.js';

export interface PlannedTrial {
  id: string;
  settings: TrialSettings;
  /** Relative to the sweep folder. */
  runDir: string;
}

export interface SweepPlan {
  trials: PlannedTrial[];
  /** The step at which each rung ends; the last is the full steps. */
  rungs: number[];
  eta: number;
  metric: string;
  higherIsBetter: boolean;
  /** How the trials were chosen, in words. */
  note: string;
  /** Steps the schedule costs when it runs to the end, and what the full grid at full steps would. */
  plannedSteps: number;
  fullGridSteps: number;
}

export interface SweepFile {
  config: SweepConfig;
  plan: SweepPlan;
  createdAt: string;
  appVersion: string;
}

export type SweepStatus = 'created' | 'running' | 'completed' | 'stopped' | 'cancelled' | 'failed' | 'interrupted';
export const SWEEP_STATUSES: readonly SweepStatus[] = ['created', 'running', 'completed', 'stopped', 'cancelled', 'failed', 'interrupted'];

/** One rung's outcome for one trial: where it stood when the rung's steps were reached. */
export interface TrialResult {
  rung: number;
  /** The run's step when the rung ended (below the rung's steps if the run stopped itself). */
  step: number;
  /** Best value of the sweep metric so far, and the validation loss of the last evaluation. */
  value: number;
  valLoss?: number;
  /** Wall time of this rung's segment. */
  seconds: number;
}

/**
 * pending: not started · running: a segment is (or was, before a crash) under way · waiting:
 * finished its rung, the rung's decision is pending · stopped: not promoted (halving) ·
 * completed: ran to the last rung, or its run ended itself · failed.
 */
export type TrialStatus = 'pending' | 'running' | 'waiting' | 'stopped' | 'completed' | 'failed';

export interface TrialState {
  status: TrialStatus;
  /** The rung the trial is in (or last finished); -1 before it starts. */
  rung: number;
  results: TrialResult[];
  /** Why the trial stopped where it did (not promoted, the run ended itself, failed …). */
  reason?: string;
}

export interface RungDecision {
  rung: number;
  steps: number;
  ranked: string[];
  promoted: string[];
  /** The rule in words, e.g. "the best 5 of 16 (1/3) by accuracy continue to 100 steps". */
  rule: string;
}

export interface SweepState {
  status: SweepStatus;
  reason?: string;
  trials: Record<string, TrialState>;
  decisions: RungDecision[];
  /** Optimizer steps all trials have taken, and active time over every session. */
  stepsUsed: number;
  elapsedSeconds: number;
  updatedAt: string;
  pid?: number;
}

export interface Recommendation {
  trial: string;
  settings: TrialSettings;
  metric: string;
  value: number;
  step: number;
  /** A cheaper trial (shorter prompt) whose metric is within `tolerance` of the best. */
  cheaper?: { trial: string; settings: TrialSettings; value: number; difference: number; costRatio: number };
  tolerance: number;
  /** "16 tokens, lr 0.3, init labels: accuracy 0.97; 8 tokens is within 0.01 at half the cost" */
  text: string;
}

export interface DimensionSensitivity {
  dimension: SweepDimension;
  /** Mean metric per value, at the first rung (where every trial had the same steps). */
  byValue: { value: string; mean: number; count: number }[];
  /** max − min of those means. */
  spread: number;
  best: string;
  text: string;
}

export interface Sensitivity {
  /** The steps all compared trials had (the first rung). */
  steps: number;
  dimensions: DimensionSensitivity[];
  /** Plain words: which knob mattered. */
  summary: string;
}

export type SweepEvent =
  | { type: 'sweep-started'; dir: string; trials: number; rungs: number[]; plannedSteps: number; fullGridSteps: number; note: string; resumed: boolean }
  | { type: 'trial-started'; trial: string; rung: number; fromStep: number; stopAtStep: number; resumed: boolean; settings: TrialSettings }
  | { type: 'trial-event'; trial: string; event: TrainingEvent }
  | { type: 'trial-finished'; trial: string; rung: number; status: TrialStatus; result?: TrialResult; reason?: string }
  | { type: 'rung-decided'; decision: RungDecision }
  | { type: 'sweep-finished'; status: SweepStatus; reason: string; stepsUsed: number; elapsedSeconds: number; recommendation: Recommendation | null };

/** One trial as the comparison view and `sps sweep show` list it. */
export interface TrialRow {
  id: string;
  settings: TrialSettings;
  runDir: string;
  status: TrialStatus;
  reason?: string;
  results: TrialResult[];
  /** Its latest result (highest rung reached). */
  value: number | null;
  step: number;
  /** The metric's evaluations over steps, for the overlaid curves. */
  curve?: { step: number; value: number }[];
}

/** A sweep in a list (sweeps.list, sweeps.changed). */
export interface SweepSummary {
  id: string;
  dir: string;
  name?: string;
  status: SweepStatus;
  reason?: string;
  metric: string;
  trials: number;
  /** Trials that have at least one result. */
  trialsRun: number;
  rungs: number[];
  stepsUsed: number;
  plannedSteps: number;
  fullGridSteps: number;
  elapsedSeconds: number;
  createdAt: string;
  best: { trial: string; value: number } | null;
}

/** Everything the comparison view shows (sweeps.get). Each trial's run is a run id for jobs.* and exports.*. */
export interface SweepDetail extends SweepSummary {
  config: SweepConfig;
  plan: SweepPlan;
  state: SweepState;
  trialRows: (TrialRow & { runId: string })[];
  recommendation: Recommendation | null;
  sensitivity: Sensitivity | null;
}
