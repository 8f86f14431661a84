import { resolvePrecision, type JobConfig } from '../../shared/job.js';
import { probeProviders } from '../runtime/providers.js';

/** The precision a job computes in here: its setting, with 'auto' decided by the device's probe. */
export async function jobPrecision(job: JobConfig): Promise<'fp32' | 'fp16'> {
  if (job.precision === 'fp16' || job.precision === 'fp32') return job.precision;
  if (job.device === 'cpu') return 'fp32';
  const status = (await probeProviders()).find((p) => p.name === job.device);
  return resolvePrecision(job.precision, job.device, !!status?.fp16);
}
