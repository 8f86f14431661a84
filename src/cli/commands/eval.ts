import { existsSync } from 'node:fs';
import { stopTokenIds as stopTokensOf } from '../../engine/inference/stop_tokens.js';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { ForwardRunner } from '../../engine/inference/forward_runner.js';
import { ScoreRunner } from '../../engine/inference/score_runner.js';
import { loadModel } from '../../engine/models/load_model.js';
import { loadCheckpointDir } from '../../engine/tuning/checkpoint.js';
import { evaluate } from '../../engine/tuning/evaluate.js';
import { prepareTaskData } from '../../engine/tuning/prepare_data.js';
import { readRunJob } from '../../engine/tuning/run.js';
import { runPaths } from '../../engine/tuning/run_dir.js';
import { parseFlags, choiceFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const evalHelp = `sps eval RUN_DIR [--data FILE] [--checkpoint best|final] [--json]

Evaluates a run's prompt (best by default, else final) with the run's task, template and
labels on FILE (default: the run's own validation data). Prints the metrics.`;

export async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { data: { type: 'string' }, checkpoint: { type: 'string' }, json: { type: 'boolean' } }, 'eval');
  const runDir = positionals[0];
  if (!runDir) throw new SpsError('INVALID_ARGUMENT', 'sps eval: give the run folder', { hint: 'sps eval RUN_DIR --data FILE' });
  const { job } = readRunJob(runDir);
  const which = choiceFlag(values.checkpoint, 'checkpoint', ['best', 'final'] as const, existsSync(join(runPaths(runDir).best, 'manifest.json')) ? 'best' : 'final');
  const dir = which === 'best' ? runPaths(runDir).best : runPaths(runDir).final;
  if (!existsSync(join(dir, 'manifest.json'))) throw new SpsError('FILE_NOT_FOUND', `the run has no ${which} prompt yet`, { location: { file: dir }, hint: 'finish or resume the run first' });
  const { prompt } = loadCheckpointDir(dir);
  const model = loadModel(job.model.path);
  // The file is evaluated as the validation set of the same job (same template and labels).
  const evalJob = values.data ? { ...job, data: { ...job.data, validation: values.data } } : job;
  const data = await prepareTaskData(evalJob, model);
  const stopTokenIds = stopTokensOf(model);
  const scorer = await ScoreRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' });
  const gen = job.task.kind === 'generation' ? await ForwardRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' }) : undefined;
  try {
    const metrics = await evaluate(
      { kind: job.task.kind, validation: data.validation, ...(data.labels ? { labels: data.labels } : {}), ...(data.verbalizerIds ? { verbalizerIds: data.verbalizerIds } : {}), batchSize: job.training.evalBatchSize, maxGenerationExamples: 32, stopTokenIds },
      scorer,
      gen,
      prompt,
    );
    if (values.json) io.stdout(JSON.stringify({ checkpoint: which, examples: data.validation.length, metrics }) + '\n');
    else {
      io.stdout(`${which} prompt on ${data.validation.length} examples:\n`);
      for (const [k, v] of Object.entries(metrics)) io.stdout(`  ${k}: ${typeof v === 'number' ? v.toPrecision(6) : JSON.stringify(v)}\n`);
    }
  } finally {
    await scorer.release();
    await gen?.release();
  }
  return 0;
}
