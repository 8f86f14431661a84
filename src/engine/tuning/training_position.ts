import type { JobConfig } from '../../shared/job.js';
import type { LoadedModel } from '../models/load_model.js';
import type { LossScaleState } from './loss_scaling.js';
import { readLatestCheckpoint, type CheckpointPayload } from './checkpoint.js';
import { DataOrder } from './data_order.js';
import { initialPrompt } from './job_prompt_init.js';
import { AdamW } from './optimizer.js';
import { Rng } from './rng.js';
import type { SoftPrompt } from './soft_prompt.js';

/** What the trainer keeps in a checkpoint besides the prompt and the optimizer. */
export interface TrainerState {
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
  /** Half precision: the dynamic loss scale and its clean-step count (tuning/loss_scaling.ts). */
  lossScale?: LossScaleState;
}

/**
 * Where a run stands: the prompt, the optimizer, the data order and the trainer's counters.
 * Everything a checkpoint saves and a resume restores, so that the resumed run continues
 * bit for bit.
 */
export class TrainingPosition {
  constructor(
    public prompt: SoftPrompt,
    readonly optimizer: AdamW,
    readonly state: TrainerState,
    readonly order: DataOrder,
    /** Whether this position came from a checkpoint. */
    readonly resumed: boolean,
  ) {}

  /** The checkpoint of this position (the order's epoch and cursor folded into the state). */
  payload(): CheckpointPayload {
    const trainerState: TrainerState = { ...this.state, epoch: this.order.epoch, cursor: this.order.cursor, epochRng: this.order.epochRng };
    return { prompt: this.prompt, optimizer: this.optimizer.state(), trainerState: trainerState as unknown as Record<string, unknown> };
  }
}

/**
 * The position to train from: the newest checkpoint whose manifest verifies (when resuming),
 * or a fresh start: the seeded initial prompt, zero moments, the seed's data order.
 */
export function startOrResume(runDir: string, job: JobConfig, model: LoadedModel, opts: { resume: boolean; numTrain: number; verbalizerIds?: number[][]; log: (message: string, level: 'info' | 'warn') => void }): TrainingPosition {
  const t = job.training;
  const adamConfig = { betas: [0.9, 0.999] as const, eps: 1e-8, weightDecay: t.weightDecay };
  const latest = opts.resume ? readLatestCheckpoint(runDir) : { checkpoint: undefined, skipped: [] };
  for (const s of latest.skipped) opts.log(`skipped checkpoint ${s.dir}: ${s.reason}`, 'warn');
  if (latest.checkpoint) {
    const c = latest.checkpoint;
    const state = c.trainerState as unknown as TrainerState;
    return new TrainingPosition(c.prompt, AdamW.fromState(c.optimizer, adamConfig), state, DataOrder.restore(opts.numTrain, state), true);
  }
  const initRng = Rng.fromSeed((t.seed ^ 0x5eed) >>> 0);
  const prompt = initialPrompt(job, model, initRng, opts.verbalizerIds);
  const order = DataOrder.fresh(opts.numTrain, t.seed);
  const state: TrainerState = { step: 0, epoch: 0, epochRng: order.epochRng, cursor: 0, bestValue: null, bestStep: null, evalsWithoutImprovement: 0, consecutiveSkips: 0, skippedTotal: 0 };
  return new TrainingPosition(prompt, new AdamW(prompt.data.length, adamConfig), state, order, false);
}
