import type { JobConfig } from './job.js';

/**
 * "Try the sample" on the first-run screen: the built-in stories260K model on the bundled
 * sentiment sample, a job that learns in seconds on a CPU (the README's `sps tune` command:
 * the zero-shot baseline is 0.50 accuracy, the tuned prompt reaches 1.00).
 */
export interface SampleInfo {
  /** The built-in model's folder. */
  modelPath: string;
  modelName: string;
  /** resources/samples/sentiment.csv (text,label with happy/sad). */
  datasetPath: string;
}

export const SAMPLE_RUN_NAME = 'sample-sentiment';

/** The job the wizard is prefilled with, over `base` (the wizard's defaults). */
export function sampleJob(base: JobConfig, sample: SampleInfo): JobConfig {
  const { epochs: _epochs, ...training } = base.training;
  return {
    ...base,
    model: { path: sample.modelPath },
    data: { train: sample.datasetPath, validationFraction: 0.1 },
    task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
    prompt: { ...base.prompt, numVirtualTokens: 8, init: 'random' },
    training: { ...training, learningRate: 0.3, steps: 150, batchSize: 8, evalEvery: 50 },
  };
}
