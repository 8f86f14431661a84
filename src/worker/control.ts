import type { TrainingCommand } from '../shared/training_events.js';
import type { TrainingControl } from '../engine/tuning/trainer.js';

/** Pause / resume / cancel state driven by the parent's commands. */
export class CommandControl implements TrainingControl {
  paused = false;
  cancelled = false;
  private wake: (() => void) | undefined;

  apply(c: TrainingCommand): void {
    if (c.type === 'pause') this.paused = true;
    else if (c.type === 'resume') this.paused = false;
    else this.cancelled = true;
    if (!this.paused || this.cancelled) {
      this.wake?.();
      this.wake = undefined;
    }
  }

  waitForResume(): Promise<void> {
    if (!this.paused || this.cancelled) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }
}
