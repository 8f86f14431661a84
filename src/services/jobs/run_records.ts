import { SpsError } from '../../shared/errors.js';
import type { SerializedError, TrainingEvent } from '../../shared/training_events.js';
import { readState, writeStateAtomic, type RunState } from '../../engine/tuning/run_dir.js';
import { pidAlive } from '../../worker/run_lock.js';

/**
 * What the services write into a run's state.json on the worker's behalf: how a run ended
 * when its worker could not say so itself, and runs an earlier session left behind.
 */

function stateOrEmpty(dir: string): Partial<RunState> {
  try {
    return readState(dir) ?? {};
  } catch {
    return {};
  }
}

/** Records that a run stopped (failed to launch, cancelled while queued, the app closed). */
export function markEnded(dir: string, status: 'failed' | 'cancelled' | 'interrupted', why: unknown): void {
  const message = why instanceof Error ? why.message : String(why);
  writeStateAtomic(dir, {
    ...stateOrEmpty(dir),
    status,
    message,
    endedAt: new Date().toISOString(),
    ...(status === 'failed' ? { error: why instanceof SpsError ? why.toJSON() : { code: 'INTERNAL', message } } : {}),
  });
}

/** Keeps a worker's failure (and where its log is) with the run, for the UI after a restart too. */
export function keepFailure(dir: string, failed: Extract<TrainingEvent, { type: 'failed' }>): void {
  try {
    const state = readState(dir) ?? { status: 'failed' };
    writeStateAtomic(dir, { ...state, status: 'failed', error: failed.error, logPath: failed.logPath });
  } catch {
    // The failure itself is already recorded by the worker or the supervisor.
  }
}

/** A failed run's error as the API shows it (older runs only have a message). */
export function runError(state: RunState | undefined): SerializedError | undefined {
  if (!state || state.status !== 'failed') return undefined;
  const e = state.error as SerializedError | undefined;
  if (e && typeof e.message === 'string') return e;
  return { code: 'RUN_FAILED', message: typeof state.message === 'string' ? state.message : 'the run failed', hint: 'see the worker log; resume continues from the last checkpoint' };
}

/** running / paused with a live training process somewhere (this session or another). */
export function hasLiveWorker(state: RunState | undefined): boolean {
  return (state?.status === 'running' || state?.status === 'paused') && pidAlive(state.pid);
}

/**
 * Crash recovery at start-up: runs left running/paused by an earlier session whose worker is
 * gone become 'interrupted' (resumable). `isLiveHere` excludes runs this session drives.
 */
export function markInterrupted(runs: Array<[id: string, dir: string]>, isLiveHere: (id: string) => boolean): string[] {
  const marked: string[] = [];
  for (const [id, dir] of runs) {
    if (isLiveHere(id)) continue;
    let state: RunState | undefined;
    try {
      state = readState(dir);
    } catch {
      continue;
    }
    if (state && (state.status === 'running' || state.status === 'paused') && !pidAlive(state.pid)) {
      writeStateAtomic(dir, { ...state, status: 'interrupted', message: `the app closed while the run was ${state.status}; resume continues from the last checkpoint`, interruptedAt: new Date().toISOString() });
      marked.push(id);
    }
  }
  return marked;
}
