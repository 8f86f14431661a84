import { SpsError } from '../../shared/errors.js';
import { readRunJob } from '../../engine/tuning/run.js';
import { isInside, realPathOf } from '../path_policy.js';

/**
 * The folder jobs.delete may remove for a run: only a real run (its job.json parses and
 * validates as one) whose real path lies inside the runs dir — never a folder that merely holds
 * a file named job.json, and never through a link that leads out of the runs dir.
 */
export function deletableRunDir(dir: string, runsDir: string): string {
  const real = realPathOf(dir);
  const root = realPathOf(runsDir);
  if (real === root || !isInside(real, root)) {
    throw new SpsError('PATH_NOT_ALLOWED', `only runs inside the runs folder (${root}) can be deleted, and ${real} is not in it`, { location: { file: real, field: 'id' }, hint: 'delete it with your file manager if you mean to' });
  }
  try {
    readRunJob(real);
  } catch (err) {
    throw new SpsError('INVALID_ARGUMENT', `${real} is not a run (${err instanceof Error ? err.message : String(err)}); it is not deleted`, { location: { file: real, field: 'id' }, hint: 'only folders made by jobs.create or `sps tune` can be deleted', cause: err });
  }
  return real;
}
