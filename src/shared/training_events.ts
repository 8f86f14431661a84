/**
 * What a training run reports and what it obeys, across the worker boundary (worker → CLI,
 * Electron main, web server → renderer). Plain JSON-serialisable data only.
 */
/** 'stopped': a sweep stopped the run at a rung's steps (successive halving); resumable. */
export type RunStatus = 'created' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'stopped';

export type Metrics = Record<string, number | number[][] | string[]>;

export interface SerializedError {
  code: string;
  message: string;
  location?: { file?: string; line?: number; field?: string };
  hint?: string;
}

export type TrainingEvent =
  | { type: 'started'; runDir: string; totalSteps: number; step: number; device: string; numTrain: number; numValidation: number; resumed: boolean }
  | { type: 'loading'; file: string; bytesRead: number; totalBytes: number }
  /** Examples tokenized into the token cache (in the background while training when the data is large). */
  | { type: 'tokenizing'; file: string; done: number; total: number; tokensPerSecond: number; etaSeconds: number }
  | { type: 'baseline'; metrics: Metrics }
  | { type: 'progress'; step: number; totalSteps: number; epoch: number; loss: number; lr: number; gradNorm: number; tokensPerSecond: number; etaSeconds: number; skipped: number }
  | { type: 'skipped'; step: number; consecutive: number; reason: string }
  | { type: 'evaluation'; step: number; metrics: Metrics; best: boolean }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'paused'; step: number }
  | { type: 'resumed'; step: number }
  | { type: 'log'; level: 'info' | 'warn'; message: string }
  | { type: 'finished'; status: 'completed' | 'cancelled' | 'stopped'; step: number; reason: string; best: { step: number; metric: string; value: number } | null }
  | { type: 'failed'; step: number; error: SerializedError; logPath: string };

export type TrainingCommand = { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

/** Worker ⇄ parent messages. */
export type ParentToWorker = { type: 'start'; runDir: string; resume: boolean; stopAtStep?: number } | { type: 'command'; command: TrainingCommand };
export type WorkerToParent = { type: 'event'; event: TrainingEvent } | { type: 'exit'; code: number };
