import type { ApiHandlers } from '../../shared/api.js';
import { readRunJob } from '../../engine/tuning/run.js';
import type { ServiceContext } from '../context.js';

export type AnalysisHandlers = Pick<ApiHandlers, 'jobs.predictions' | 'jobs.nearestTokens'>;

/**
 * What a run's tuned prompt does: its predictions on the validation set, its nearest tokens.
 * Both run in the inference worker of the run's model.
 */
export function analysisHandlers(ctx: ServiceContext, resolveRun: (id: string) => string): AnalysisHandlers {
  const workerOf = (dir: string) => ctx.modelKey(readRunJob(dir).job.model.path);
  return {
    'jobs.predictions': async ({ id, checkpoint }) => {
      const runDir = resolveRun(id);
      return ctx.inference.call(workerOf(runDir), 'predictions', { runDir, ...(checkpoint ? { checkpoint } : {}) });
    },
    'jobs.nearestTokens': async ({ id, k }) => {
      const runDir = resolveRun(id);
      return ctx.inference.call(workerOf(runDir), 'nearestTokens', { runDir, k: Math.max(1, Math.min(50, Math.floor(k ?? 5))) });
    },
  };
}
