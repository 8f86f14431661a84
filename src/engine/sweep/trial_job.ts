import type { JobConfig } from '../../shared/job.js';
import type { TrialSettings } from '../../shared/sweep.js';

/** A trial's job: the sweep's job with the trial's settings in place. An ordinary job. */
export function trialJob(base: JobConfig, s: TrialSettings, name: string): JobConfig {
  const prompt: JobConfig['prompt'] =
    typeof s.init === 'string'
      ? { numVirtualTokens: s.numVirtualTokens, init: s.init }
      : 'text' in s.init
        ? { numVirtualTokens: s.numVirtualTokens, init: 'text', initText: s.init.text }
        : { numVirtualTokens: s.numVirtualTokens, init: 'file', initFile: s.init.file };
  return {
    ...base,
    name,
    prompt,
    training: { ...base.training, learningRate: s.learningRate, warmupRatio: s.warmupRatio, batchSize: s.batchSize },
  };
}
