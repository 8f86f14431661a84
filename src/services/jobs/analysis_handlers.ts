import type { ApiHandlers } from '../../shared/api.js';
import { runCheckpointPrompt } from '../../engine/inference/classify_text.js';
import { nearestTokens } from '../../engine/inference/nearest_tokens.js';
import { predictExamples } from '../../engine/inference/predictions.js';
import { readRunJob } from '../../engine/tuning/run.js';
import type { ServiceContext } from '../context.js';

export type AnalysisHandlers = Pick<ApiHandlers, 'jobs.predictions' | 'jobs.nearestTokens'>;

/** What a run's tuned prompt does: its predictions on the validation set, its nearest tokens. */
export function analysisHandlers(ctx: ServiceContext, resolveRun: (id: string) => string): AnalysisHandlers {
  return {
    'jobs.predictions': async ({ id, checkpoint }) => {
      const dir = resolveRun(id);
      const { job } = readRunJob(dir);
      const chosen = runCheckpointPrompt(dir, checkpoint);
      const { metrics, examples } = await predictExamples(ctx.model(job.model.path), job, chosen.prompt);
      return { checkpoint: chosen.which, metrics: { ...metrics }, examples };
    },
    'jobs.nearestTokens': async ({ id, k }) => {
      const dir = resolveRun(id);
      const { job } = readRunJob(dir);
      const { prompt } = runCheckpointPrompt(dir);
      const kk = Math.max(1, Math.min(50, Math.floor(k ?? 5)));
      return nearestTokens(prompt, ctx.model(job.model.path), { k: kk }).map((v) => ({ index: v.index, tokens: v.tokens.map((t) => ({ ...t })) }));
    },
  };
}
