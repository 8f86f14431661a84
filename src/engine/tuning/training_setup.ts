import { defaultMetric, metricDirection, type JobConfig } from '../../shared/job.js';
import type { TrainingEvent } from '../../shared/training_events.js';
import { stopTokenIds as stopTokensOf } from '../inference/stop_tokens.js';
import type { LoadedModel } from '../models/load_model.js';
import { freshResources, type TrainerResources } from './trainer_resources.js';
import type { EvalContext } from './evaluate.js';
import { openTaskData, type OpenTaskDataOptions, type StreamedTaskData } from './prepare_data.js';

/** Everything a run needs before its first step: the model, the data, and what it optimises for. */
export interface TrainingSetup {
  job: JobConfig;
  model: LoadedModel;
  data: StreamedTaskData;
  /** The metric that picks the best checkpoint, and which way is better. */
  metric: string;
  higherIsBetter: boolean;
  totalSteps: number;
  /** The evaluation context; its validation examples are read (and awaited) block by block from the token cache as evaluations go. */
  evalContext(): Promise<EvalContext>;
}

export function totalStepsOf(job: JobConfig, numTrain: number): number {
  if (job.training.steps !== undefined) return job.training.steps;
  const perStep = job.training.batchSize * job.training.gradAccum;
  return Math.max(1, Math.ceil((job.training.epochs! * numTrain) / perStep));
}

/** What decides the tokenized data of a job (a sweep's trials share it when this matches). */
export function dataKeyOf(job: JobConfig): string {
  const t = job.training;
  return JSON.stringify([job.model.path, job.data, job.task, t.maxLength, t.appendEos, t.seed]);
}

/**
 * Loads the model and opens the job's data (the first pass over the file, or its cached
 * result), reporting the file reading as it goes; tokenization is started by the caller.
 * `resources` may hand out a model and data already opened for an earlier trial of a sweep.
 * `known`: the data files' fingerprints from job.json (not hashed again while unchanged).
 */
export async function prepareTraining(job: JobConfig, emit: (e: TrainingEvent) => void, resources: TrainerResources = freshResources, known?: OpenTaskDataOptions['known']): Promise<TrainingSetup> {
  const t = job.training;
  const model = resources.model(job.model.path);
  // Reading a large dataset takes a while: report it, at most every 2% of a file.
  let lastReported = { file: '', fraction: -1 };
  const data = await resources.data(dataKeyOf(job), () =>
    openTaskData(job, model, {
      ...(known ? { known } : {}),
      onProgress: (file, read, total) => {
        const fraction = total > 0 ? read / total : 1;
        if (file === lastReported.file && fraction < 1 && fraction - lastReported.fraction < 0.02) return;
        lastReported = { file, fraction };
        emit({ type: 'loading', file, bytesRead: read, totalBytes: total });
      },
    }),
  );
  for (const w of data.warnings.slice(0, 20)) emit({ type: 'log', level: 'warn', message: w });
  const metric = t.metric ?? defaultMetric(job.task.kind).name;
  let evalCtx: Promise<EvalContext> | undefined;
  const evalContext = (): Promise<EvalContext> =>
    (evalCtx ??= Promise.resolve({
      kind: job.task.kind,
      validation: data.validationSource(),
      ...(data.labels ? { labels: data.labels } : {}),
      ...(data.verbalizerIds ? { verbalizerIds: data.verbalizerIds } : {}),
      batchSize: t.evalBatchSize,
      // A cap only when the job asks for one (training.generationEvalExamples); the last evaluation ignores it.
      ...(t.generationEvalExamples !== undefined ? { maxGenerationExamples: t.generationEvalExamples } : {}),
      stopTokenIds: stopTokensOf(model),
    }));
  return { job, model, data, metric, higherIsBetter: metricDirection(metric), totalSteps: totalStepsOf(job, data.numTrain), evalContext };
}
