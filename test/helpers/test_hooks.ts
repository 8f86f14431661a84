import { fileURLToPath } from 'node:url';
import type { WorkerEntry } from '../../src/worker/launcher.js';
import type { TrainerTestHooks } from '../../src/engine/tuning/trainer.js';

/**
 * Fault injection for the crash-safety tests, read from SPS_TEST_HOOKS (JSON) by the test-owned worker entry
 * (hooked_train_worker.ts); the shipped worker never reads it. Never set in
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

/** The worker entry the tests start when they inject faults (tsx, like the sources). */
export function hookedWorkerEntry(): WorkerEntry {
  return { path: fileURLToPath(new URL('./hooked_train_worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export function hookedSweepWorkerEntry(): WorkerEntry {
  return { path: fileURLToPath(new URL('./hooked_sweep_worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}
