import type { PredictionDTO } from '../../shared/api.js';
import type { JobConfig } from '../../shared/job.js';
import type { Metrics } from '../../shared/training_events.js';
import { modelForJob } from '../models/chat_template.js';
import type { LoadedModel } from '../models/load_model.js';
import { evaluateWithDetails } from '../tuning/evaluate.js';
import { prepareTaskData } from '../tuning/prepare_data.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { ForwardRunner } from './forward_runner.js';
import { ScoreRunner } from './score_runner.js';
import { stopTokenIds } from './stop_tokens.js';

/** One evaluated example: what went in, what was expected, what the model said (the API's shape). */
export type Prediction = PredictionDTO;

/**
 * The run's evaluation with its per-example predictions: `file` (read exactly as the run's
 * validation data, with its template and labels) or, without it, the run's own validation
 * data. The metrics are the trainer's evaluation for the same prompt, to the last digit, on
 * every example (a training-time cap on generation metrics does not apply here).
 */
export async function predictExamples(jobModel: LoadedModel, job: JobConfig, prompt: SoftPrompt, file?: string): Promise<{ metrics: Metrics; examples: Prediction[] }> {
  const model = modelForJob(jobModel, job);
  const data = await prepareTaskData(file ? { ...job, data: { ...job.data, validation: file } } : job, model, undefined, 'validation');
  const scorer = await ScoreRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' });
  const gen = job.task.kind === 'generation' ? await ForwardRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' }) : undefined;
  try {
    const ctx = {
      kind: job.task.kind,
      validation: data.validation,
      ...(data.labels ? { labels: data.labels } : {}),
      ...(data.verbalizerIds ? { verbalizerIds: data.verbalizerIds } : {}),
      batchSize: job.training.evalBatchSize,
      // Every example of the file: this is the number `sps eval` / `sps infer --data` report.
      stopTokenIds: stopTokenIds(model),
    };
    const r = await evaluateWithDetails(ctx, scorer, gen, prompt);
    const decode = (ids: number[]) => model.tokenizer.decode(ids, { skipSpecialTokens: true });
    const examples = data.validation.map((ex, i): Prediction => {
      const row: Prediction = { input: decode(ex.ids.slice(0, ex.labelStart)) };
      if (ex.source?.line !== undefined) row.line = ex.source.line;
      if (r.predictions && data.labels) {
        row.label = data.labels[ex.label!]!;
        row.prediction = data.labels[r.predictions[i]!]!;
        row.correct = row.label === row.prediction;
      } else {
        const ref = ex.ids.slice(ex.labelStart);
        row.reference = decode(ref);
        const g = r.generations?.[i];
        if (g) {
          row.generated = decode(g);
          row.correct = ref.every((id, j) => g[j] === id);
        }
      }
      return row;
    });
    return { metrics: r.metrics, examples };
  } finally {
    await scorer.release();
    await gen?.release();
  }
}
