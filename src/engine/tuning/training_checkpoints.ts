import type { TrainingEvent } from '../../shared/training_events.js';
import { copyCheckpointTo, pruneCheckpoints, writeCheckpoint } from './checkpoint.js';
import type { TrainingPosition } from './training_position.js';

const KEEP_CHECKPOINTS = 2;

/**
 * Writes the run's checkpoints: at most one per step (an improving evaluation, the periodic
 * save, a pause and the end of the run may all ask at the same step, with the same state),
 * keeping the newest two, and copies to best/ and final/.
 */
export class Checkpointer {
  private savedAt = -1;

  constructor(
    private readonly runDir: string,
    private readonly position: TrainingPosition,
    private readonly emit: (e: TrainingEvent) => void,
    /** Test hook: called at each stage of a write (to kill the process mid-write). */
    private readonly onStage?: (step: number, stage: string) => void,
  ) {}

  /** Saves the current position as checkpoints/step-N (once per step). */
  save(): void {
    const step = this.position.state.step;
    if (this.savedAt === step) return;
    this.savedAt = step;
    const dir = writeCheckpoint(this.runDir, step, this.position.payload(), { onStage: (stage) => this.onStage?.(step, stage) });
    pruneCheckpoints(this.runDir, KEEP_CHECKPOINTS);
    this.emit({ type: 'checkpoint', step, path: dir });
  }

  /** Saves the current position and copies it to best/ or final/. */
  saveAs(target: 'best' | 'final'): void {
    this.save();
    copyCheckpointTo(this.runDir, this.position.state.step, target);
  }
}
