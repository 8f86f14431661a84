import type { TrainerTestHooks } from '../engine/tuning/trainer.js';

/**
 * Fault injection for the crash-safety tests, read from SPS_TEST_HOOKS (JSON). Never set in
 * normal use. `holdAtCheckpointStage` blocks the worker inside a checkpoint write (at that
 * step and stage) so a test can SIGKILL it there.
 */
interface HookSpec {
  nonFiniteAtSteps?: number[];
  holdAtCheckpoint?: { step: number; stage: string; ms: number };
  initialLossScale?: number;
}

export function testHooksFromEnv(env: NodeJS.ProcessEnv, log: (m: string) => void): TrainerTestHooks | undefined {
  const raw = env.SPS_TEST_HOOKS;
  if (!raw) return undefined;
  const spec = JSON.parse(raw) as HookSpec;
  const hooks: TrainerTestHooks = {};
  if (spec.nonFiniteAtSteps) hooks.nonFiniteAtSteps = spec.nonFiniteAtSteps;
  if (spec.initialLossScale) hooks.initialLossScale = spec.initialLossScale;
  const hold = spec.holdAtCheckpoint;
  if (hold) {
    hooks.onCheckpointStage = (step, stage) => {
      if (step === hold.step && stage === hold.stage) {
        log(`test hook: holding inside checkpoint ${step} at stage ${stage}`);
        // A synchronous sleep: the process sits inside the write, as a slow disk would.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, hold.ms);
      }
    };
  }
  return hooks;
}
