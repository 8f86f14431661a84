import { runCheckpointPrompt } from '../../engine/inference/classify_text.js';
import { predictExamples } from '../../engine/inference/predictions.js';
import { loadModel } from '../../engine/models/load_model.js';
import { readRunJob } from '../../engine/tuning/run.js';
import { SpsError } from '../../shared/errors.js';
import { choiceFlag, parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const evalHelp = `sps eval RUN_DIR [--data FILE] [--checkpoint best|final] [--json]

Evaluates a run's prompt (best by default, else final) with the run's task, template and
labels on FILE (default: the run's own validation data). Prints the metrics.`;

export async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { data: { type: 'string' }, checkpoint: { type: 'string' }, json: { type: 'boolean' } }, 'eval');
  const runDir = positionals[0];
  if (!runDir) throw new SpsError('INVALID_ARGUMENT', 'sps eval: give the run folder', { hint: 'sps eval RUN_DIR --data FILE' });
  const { job } = readRunJob(runDir);
  const which = values.checkpoint === undefined ? undefined : choiceFlag(values.checkpoint, 'checkpoint', ['best', 'final'] as const, 'best');
  const chosen = runCheckpointPrompt(runDir, which);
  const { metrics, examples } = await predictExamples(loadModel(job.model.path), job, chosen.prompt, values.data);
  if (values.json) io.stdout(JSON.stringify({ checkpoint: chosen.which, examples: examples.length, metrics }) + '\n');
  else {
    io.stdout(`${chosen.which} prompt on ${examples.length} examples:\n`);
    for (const [k, v] of Object.entries(metrics)) io.stdout(`  ${k}: ${typeof v === 'number' ? v.toPrecision(6) : JSON.stringify(v)}\n`);
  }
  return 0;
}
