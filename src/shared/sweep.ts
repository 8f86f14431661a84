/**
 * A sweep: one job with some fields replaced by lists or ranges, how to sample them, the
 * successive-halving schedule and a budget. One vocabulary for `sps sweep --config`, the
 * wizard's sweep switch and the sweep folder's sweep.json. Pure data plus a validator that
 * names each bad field (like job.ts).
 */
import { validateJob, type FieldError, type JobConfig } from './job.js';

/** Initialisation choices: the job's kinds, a text, or an earlier run / prompt file. */
export type InitChoice = 'random' | 'vocab' | 'labels' | { text: string } | { file: string };

/** A continuous range: sampled (random search) or cut into `count` points (grid). */
export interface NumberRange {
  min: number;
  max: number;
  scale: 'log' | 'linear';
  /** Grid points over the range (ends included); default 4. */
  count?: number;
}

export interface SweepSpace {
  numVirtualTokens?: number[];
  learningRate?: number[] | NumberRange;
  init?: InitChoice[];
  warmupRatio?: number[] | NumberRange;
  batchSize?: number[];
}

export type SweepDimension = keyof SweepSpace;
export const SWEEP_DIMENSIONS: readonly SweepDimension[] = ['numVirtualTokens', 'learningRate', 'init', 'warmupRatio', 'batchSize'];

export interface SweepConfig {
  version: 1;
  name?: string;
  /** The fixed fields; `training.steps` is the full budget of one trial. */
  job: JobConfig;
  space: SweepSpace;
  sampling: { method: 'grid' } | { method: 'random'; trials: number; seed: number };
  /**
   * Successive halving: every trial gets steps/eta^(rungs-1) first; the best 1/eta of each
   * rung continue to the next (eta× the steps), the last rung runs to the full steps.
   */
  halving: { enabled: boolean; eta: number; rungs?: number; minSteps?: number };
  budget: { trials?: number; totalSteps?: number; wallSeconds?: number };
}

/** One trial's settings: every swept field, filled from the job where not swept. */
export interface TrialSettings {
  numVirtualTokens: number;
  learningRate: number;
  init: InitChoice;
  warmupRatio: number;
  batchSize: number;
}

export const SWEEP_DEFAULTS = {
  halving: { enabled: true, eta: 3, minSteps: 10 },
  gridCount: 4,
};

/** "labels", "text: Classify…", "file: runs/x": how an init choice is shown. */
export function initLabel(init: InitChoice): string {
  if (typeof init === 'string') return init;
  if ('text' in init) return `text "${init.text.length > 24 ? init.text.slice(0, 23) + '…' : init.text}"`;
  return `from ${init.file}`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a parsed sweep config; every problem names its field path. */
export function validateSweep(value: unknown): FieldError[] {
  if (!isObj(value)) return [{ field: '', message: 'the sweep config must be a JSON object' }];
  const errs: FieldError[] = [];
  const err = (field: string, message: string) => errs.push({ field, message });
  if (value.version !== 1) err('version', 'must be 1');
  if (value.name !== undefined && typeof value.name !== 'string') err('name', 'must be a string');
  for (const k of Object.keys(value)) if (!['version', 'name', 'job', 'space', 'sampling', 'halving', 'budget'].includes(k)) err(k, 'is not a sweep field (version, name, job, space, sampling, halving, budget)');

  errs.push(...validateJob(value.job).map((e) => ({ field: `job.${e.field}`, message: e.message })));
  const job = value.job as Partial<JobConfig> | undefined;
  if (isObj(job) && isObj(job.training) && job.training.steps === undefined) err('job.training.steps', 'a sweep needs a step count per trial (its full budget); epochs are not used');

  const space = value.space;
  if (!isObj(space)) err('space', 'is required: the fields to sweep, e.g. {"numVirtualTokens": [4, 8], "learningRate": {"min": 0.01, "max": 0.3, "scale": "log"}}');
  else {
    for (const k of Object.keys(space)) if (!(SWEEP_DIMENSIONS as readonly string[]).includes(k)) err(`space.${k}`, `cannot be swept (sweepable: ${SWEEP_DIMENSIONS.join(', ')})`);
    const intList = (k: string, min: number, max: number) => {
      const v = space[k];
      if (v === undefined) return;
      if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max)) err(`space.${k}`, `must be a non-empty list of whole numbers in [${min}, ${max}]`);
      else if (new Set(v).size !== v.length) err(`space.${k}`, 'has a value twice');
    };
    const numOrRange = (k: string, min: number, max: number, logAllowed: boolean) => {
      const v = space[k];
      if (v === undefined) return;
      if (Array.isArray(v)) {
        if (v.length === 0 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max)) err(`space.${k}`, `must be a non-empty list of numbers in [${min}, ${max}]`);
        else if (new Set(v).size !== v.length) err(`space.${k}`, 'has a value twice');
        return;
      }
      if (!isObj(v)) return err(`space.${k}`, 'must be a list of values or a range {"min", "max", "scale"}');
      for (const b of ['min', 'max'] as const) if (typeof v[b] !== 'number' || !Number.isFinite(v[b]) || v[b] < min || v[b] > max) err(`space.${k}.${b}`, `must be a number in [${min}, ${max}]`);
      if (typeof v.min === 'number' && typeof v.max === 'number' && v.min >= v.max) err(`space.${k}`, `min must be below max (got ${v.min} ≥ ${v.max})`);
      if (v.scale !== 'log' && v.scale !== 'linear') err(`space.${k}.scale`, 'must be "log" or "linear"');
      if (v.scale === 'log' && !logAllowed) err(`space.${k}.scale`, 'a log range needs positive values; use "linear"');
      if (v.scale === 'log' && typeof v.min === 'number' && v.min <= 0) err(`space.${k}.min`, 'must be above 0 on a log scale');
      if (v.count !== undefined && (typeof v.count !== 'number' || !Number.isInteger(v.count) || v.count < 2 || v.count > 100)) err(`space.${k}.count`, 'must be a whole number of grid points in [2, 100]');
    };
    intList('numVirtualTokens', 1, 4096);
    numOrRange('learningRate', 1e-8, 100, true);
    numOrRange('warmupRatio', 0, 1, false);
    intList('batchSize', 1, 65536);
    if (space.init !== undefined) {
      const list = space.init;
      if (!Array.isArray(list) || list.length === 0) err('space.init', 'must be a non-empty list of "random", "vocab", "labels", {"text": …} or {"file": run folder or prompt file}');
      else
        list.forEach((c, i) => {
          const ok = c === 'random' || c === 'vocab' || c === 'labels' || (isObj(c) && Object.keys(c).length === 1 && ((typeof c.text === 'string' && c.text !== '') || (typeof c.file === 'string' && c.file !== '')));
          if (!ok) err(`space.init[${i}]`, 'must be "random", "vocab", "labels", {"text": "…"} or {"file": "run folder or prompt file"}');
          if (c === 'labels' && isObj(job) && isObj(job.task) && job.task.kind !== 'classification') err(`space.init[${i}]`, '"labels" initialisation needs a classification task');
        });
    }
  }

  const s = value.sampling;
  if (!isObj(s)) err('sampling', 'is required: {"method": "grid"} or {"method": "random", "trials": N, "seed": S}');
  else if (s.method === 'random') {
    if (typeof s.trials !== 'number' || !Number.isInteger(s.trials) || s.trials < 1 || s.trials > 10_000) err('sampling.trials', 'must be a whole number of trials in [1, 10000]');
    if (typeof s.seed !== 'number' || !Number.isInteger(s.seed) || s.seed < 0 || s.seed > 2 ** 32 - 1) err('sampling.seed', 'must be a whole number in [0, 2^32-1] (the same seed gives the same trials)');
  } else if (s.method === 'grid') {
    if (isObj(space)) {
      for (const k of ['learningRate', 'warmupRatio'] as const) {
        const r = space[k];
        if (isObj(r) && r.count === undefined) err(`space.${k}.count`, `a grid needs a point count for a range (or use random sampling); default would be ${SWEEP_DEFAULTS.gridCount} — give it explicitly`);
      }
    }
  } else err('sampling.method', `must be "grid" or "random", got ${JSON.stringify(s.method)}`);

  const h = value.halving;
  if (!isObj(h)) err('halving', 'is required: {"enabled": true, "eta": 3} (or {"enabled": false, "eta": 3} for full steps on every trial)');
  else {
    if (typeof h.enabled !== 'boolean') err('halving.enabled', 'must be true or false');
    if (typeof h.eta !== 'number' || !Number.isFinite(h.eta) || h.eta < 1.5 || h.eta > 10) err('halving.eta', 'must be a number in [1.5, 10] (3: the best third continues)');
    if (h.rungs !== undefined && (typeof h.rungs !== 'number' || !Number.isInteger(h.rungs) || h.rungs < 1 || h.rungs > 10)) err('halving.rungs', 'must be a whole number in [1, 10]');
    if (h.minSteps !== undefined && (typeof h.minSteps !== 'number' || !Number.isInteger(h.minSteps) || h.minSteps < 1)) err('halving.minSteps', 'must be a whole number ≥ 1');
  }

  const b = value.budget;
  if (!isObj(b)) err('budget', 'is required (may be {}): {"trials": N, "totalSteps": N, "wallSeconds": N}');
  else {
    for (const k of Object.keys(b)) if (!['trials', 'totalSteps', 'wallSeconds'].includes(k)) err(`budget.${k}`, 'is not a budget (trials, totalSteps, wallSeconds)');
    for (const k of ['trials', 'totalSteps', 'wallSeconds'] as const) {
      const v = b[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (k !== 'wallSeconds' && !Number.isInteger(v)))) err(`budget.${k}`, `must be a positive ${k === 'wallSeconds' ? 'number' : 'whole number'}`);
    }
  }
  return errs;
}
