import { SpsError } from '../../shared/errors.js';

/**
 * Learning-rate schedules, defined exactly as transformers' get_scheduler lambdas
 * (constant_with_warmup, linear, cosine with num_cycles 0.5) so a run here matches a
 * Hugging Face Trainer run with the same settings. Pinned by test/fixtures/golden/schedule.json
 * (scripts/golden/schedule_golden.py).
 */
export type ScheduleKind = 'constant' | 'linear' | 'cosine';

export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Peak learning rate (reached at the end of warmup). */
  baseLr: number;
  /** Total optimizer steps of the run (after gradient accumulation). */
  totalSteps: number;
  /** Fraction of totalSteps spent warming up (0..1); warmup = ceil(ratio · totalSteps). */
  warmupRatio: number;
}

/**
 * Warmup length as transformers' TrainingArguments.get_warmup_steps computes it for a ratio:
 * ceil(totalSteps · ratio). ceil rather than round so any non-zero ratio warms up ≥ 1 step.
 */
export function warmupSteps(cfg: Pick<ScheduleConfig, 'totalSteps' | 'warmupRatio'>): number {
  return Math.ceil(cfg.totalSteps * cfg.warmupRatio);
}

/** Multiplier of baseLr at a 0-based optimizer step (transformers' lr_lambda). */
export function lrFactor(step: number, cfg: ScheduleConfig): number {
  validate(cfg);
  const warmup = warmupSteps(cfg);
  const total = cfg.totalSteps;
  if (step < warmup) return step / Math.max(1, warmup);
  switch (cfg.kind) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, (total - step) / Math.max(1, total - warmup));
    case 'cosine': {
      const progress = (step - warmup) / Math.max(1, total - warmup);
      // num_cycles = 0.5: one half cosine from 1 down to 0 at totalSteps.
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
  }
}

/**
 * Learning rate for the optimizer update with 0-based index `step`. As in the HF Trainer
 * (which reads the LR before calling scheduler.step()), update 0 uses factor(0), which is
 * 0 whenever there is warmup: the first update then changes the prompt only by weight decay
 * times 0, i.e. not at all. That is PyTorch's behaviour too, kept on purpose for parity.
 */
export function lrAt(step: number, cfg: ScheduleConfig): number {
  if (!Number.isInteger(step) || step < 0) throw new SpsError('INTERNAL', `lrAt: step must be a whole number ≥ 0, got ${step}`);
  return cfg.baseLr * lrFactor(step, cfg);
}

function validate(cfg: ScheduleConfig): void {
  if (!Number.isInteger(cfg.totalSteps) || cfg.totalSteps < 1) {
    throw new SpsError('INVALID_CONFIG', `the run must have at least one optimizer step, got ${cfg.totalSteps}`, { location: { field: 'total_steps' } });
  }
  if (!(cfg.warmupRatio >= 0 && cfg.warmupRatio <= 1)) {
    throw new SpsError('INVALID_CONFIG', `warmup ratio must be between 0 and 1, got ${cfg.warmupRatio}`, { location: { field: 'warmup_ratio' } });
  }
  if (!(cfg.baseLr > 0 && Number.isFinite(cfg.baseLr))) {
    throw new SpsError('INVALID_CONFIG', `learning rate must be a positive number, got ${cfg.baseLr}`, { location: { field: 'learning_rate' } });
  }
  if (cfg.kind !== 'constant' && cfg.kind !== 'linear' && cfg.kind !== 'cosine') {
    throw new SpsError('INVALID_CONFIG', `unknown learning-rate schedule "${String(cfg.kind)}"`, { location: { field: 'lr_schedule' }, hint: 'use constant, linear or cosine' });
  }
}
