import { readState } from '../../engine/tuning/run_dir.js';
import { readRunJob } from '../../engine/tuning/run.js';
import { SpsError } from '../../shared/errors.js';
import { parseFlags } from '../args.js';
import { followRun } from '../follow_run.js';
import type { CliIO } from '../io.js';

export const resumeHelp = `sps resume RUN_DIR [--json]

Continues a run from its newest checkpoint whose manifest verifies (after a crash, a kill,
Ctrl-C or a pause). A completed run has nothing left to do.`;

export async function resumeCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, 'resume');
  const runDir = positionals[0];
  if (!runDir) throw new SpsError('INVALID_ARGUMENT', 'sps resume: give the run folder', { hint: 'sps resume RUN_DIR' });
  readRunJob(runDir);
  const state = readState(runDir);
  if (state?.status === 'completed') {
    io.stdout(`the run in ${runDir} is already completed\n`);
    return 0;
  }
  return followRun(runDir, { resume: true, json: !!values.json, io, tty: !values.json && process.stdout.isTTY === true });
}
