import { SWEEP_DEFAULTS, type InitChoice, type NumberRange, type SweepConfig, type TrialSettings } from '../../shared/sweep.js';
import { Rng } from '../tuning/rng.js';

/**
 * Turns a sweep's space into its list of trial settings: the full grid (cartesian product in
 * a fixed order) or seeded random sampling. The same config always gives the same trials, in
 * the same order (the sweep folder's plan is written once from this, and a resumed sweep
 * reads the plan back rather than sampling again).
 */
export interface SampledTrials {
  trials: TrialSettings[];
  /** Plain words on how they were chosen (shown with the plan). */
  note: string;
}

/** 4 significant digits: grid points of a log range print as 0.01, 0.02154, 0.04642, 0.1. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/** `count` points from min to max, both ends included, evenly spaced on the range's scale. */
export function rangePoints(r: NumberRange): number[] {
  const count = r.count ?? SWEEP_DEFAULTS.gridCount;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const f = i / (count - 1);
    out.push(round4(r.scale === 'log' ? Math.exp(Math.log(r.min) + f * (Math.log(r.max) - Math.log(r.min))) : r.min + f * (r.max - r.min)));
  }
  return out;
}

function drawFromRange(r: NumberRange, rng: Rng): number {
  const u = rng.nextFloat();
  return round4(r.scale === 'log' ? Math.exp(Math.log(r.min) + u * (Math.log(r.max) - Math.log(r.min))) : r.min + u * (r.max - r.min));
}

type Dim = { key: keyof TrialSettings; values?: readonly (number | InitChoice)[]; range?: NumberRange; fixed: number | InitChoice };

/** The swept dimensions in their fixed order, with the job's value where a field is not swept. */
function dimensionsOf(config: SweepConfig): Dim[] {
  const { space, job } = config;
  const fixedInit: InitChoice = job.prompt.init === 'text' ? { text: job.prompt.initText ?? '' } : job.prompt.init === 'file' ? { file: job.prompt.initFile ?? '' } : job.prompt.init;
  const dim = (key: keyof TrialSettings, v: readonly (number | InitChoice)[] | NumberRange | undefined, fixed: number | InitChoice): Dim =>
    v === undefined ? { key, fixed } : Array.isArray(v) ? { key, values: v, fixed } : { key, range: v as NumberRange, fixed };
  return [
    dim('numVirtualTokens', space.numVirtualTokens, job.prompt.numVirtualTokens),
    dim('learningRate', space.learningRate, job.training.learningRate),
    dim('init', space.init, fixedInit),
    dim('warmupRatio', space.warmupRatio, job.training.warmupRatio),
    dim('batchSize', space.batchSize, job.training.batchSize),
  ];
}

function gridValues(d: Dim): readonly (number | InitChoice)[] {
  return d.values ?? (d.range ? rangePoints(d.range) : [d.fixed]);
}

function keyOf(t: TrialSettings): string {
  return JSON.stringify([t.numVirtualTokens, t.learningRate, t.init, t.warmupRatio, t.batchSize]);
}

/** The full grid, first dimension outermost (prompt length, then learning rate, …). */
export function fullGrid(config: SweepConfig): TrialSettings[] {
  let rows: Partial<TrialSettings>[] = [{}];
  for (const d of dimensionsOf(config)) rows = rows.flatMap((r) => gridValues(d).map((v) => ({ ...r, [d.key]: v })));
  return rows as TrialSettings[];
}

export function sampleTrials(config: SweepConfig): SampledTrials {
  const dims = dimensionsOf(config);
  const cap = config.budget.trials;
  if (config.sampling.method === 'grid') {
    const grid = fullGrid(config);
    if (cap === undefined || cap >= grid.length) return { trials: grid, note: `the full grid: ${grid.length} trial(s)` };
    // A seeded subset, kept in grid order, so a capped grid still spreads over the space.
    const rng = Rng.fromSeed(config.job.training.seed);
    const picked = new Set(rng.shuffle(grid.map((_, i) => i)).slice(0, cap));
    return { trials: grid.filter((_, i) => picked.has(i)), note: `${cap} of the grid's ${grid.length} points, chosen at random (seed ${config.job.training.seed}) by the trial budget` };
  }
  const { seed } = config.sampling;
  const wanted = Math.min(config.sampling.trials, cap ?? Infinity);
  const finite = dims.every((d) => d.range === undefined);
  if (finite) {
    const grid = fullGrid(config);
    if (wanted >= grid.length) return { trials: grid, note: `random sampling asked for ${wanted} trial(s) but the space has only ${grid.length} distinct settings: the full grid` };
  }
  const rng = Rng.fromSeed(seed);
  const seen = new Set<string>();
  const trials: TrialSettings[] = [];
  // Distinct settings only; a continuous range practically never repeats, a small list might.
  for (let attempts = 0; trials.length < wanted && attempts < wanted * 50; attempts++) {
    const t = {} as Record<string, number | InitChoice>;
    for (const d of dims) t[d.key] = d.range ? drawFromRange(d.range, rng) : d.values ? d.values[rng.nextInt(d.values.length)]! : d.fixed;
    const s = t as unknown as TrialSettings;
    if (seen.has(keyOf(s))) continue;
    seen.add(keyOf(s));
    trials.push(s);
  }
  return { trials, note: `${trials.length} trial(s) sampled at random (seed ${seed})` };
}

/** A readable, folder-safe trial id: t03-n8-lr0.03-labels. */
export function trialId(index: number, t: TrialSettings, width: number): string {
  const init = typeof t.init === 'string' ? t.init : 'text' in t.init ? 'text' : 'file';
  return `t${String(index + 1).padStart(width, '0')}-n${t.numVirtualTokens}-lr${t.learningRate}-${init}`;
}
