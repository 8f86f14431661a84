import { existsSync } from 'node:fs';
import { readState, writeStateAtomic } from '../engine/tuning/run_dir.js';
import type { RunStatus } from '../shared/training_events.js';

/**
 * Records that a run ended without the worker saying so (crash, kill, out of memory): the
 * parent writes the status, keeping everything else the worker had saved.
 */
export function markRunEnded(runDir: string, status: RunStatus, message: string): void {
  if (!existsSync(runDir)) return;
  let prev: Record<string, unknown> = {};
  try {
    prev = readState(runDir) ?? {};
  } catch {
    // An unreadable state file is replaced; the checkpoints hold what matters.
  }
  writeStateAtomic(runDir, { ...prev, status, message, endedAt: new Date().toISOString() });
}
