import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { compileTemplate } from '../data/template.js';
import { modelForJob } from '../models/chat_template.js';
import type { LoadedModel } from '../models/load_model.js';
import { loadCheckpointDir } from '../tuning/checkpoint.js';
import { classify } from '../tuning/evaluate.js';
import { prepareTaskData, type TaskData } from '../tuning/prepare_data.js';
import { runPaths } from '../tuning/run_dir.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { ScoreRunner } from './score_runner.js';

/** A run's tuned prompt: its best checkpoint when it has one (default), else its final one. */
export function runCheckpointPrompt(runDir: string, which?: 'best' | 'final'): { prompt: SoftPrompt; which: 'best' | 'final' } {
  const paths = runPaths(runDir);
  const w = which ?? (existsSync(join(paths.best, 'manifest.json')) ? 'best' : 'final');
  const dir = w === 'best' ? paths.best : paths.final;
  if (!existsSync(join(dir, 'manifest.json'))) throw new SpsError('FILE_NOT_FOUND', `the run has no ${w} prompt yet`, { location: { file: dir }, hint: 'finish or resume the run first' });
  return { prompt: loadCheckpointDir(dir).prompt, which: w };
}

export interface TextClassification {
  /** The text as filled into the run's input template. */
  input: string;
  prediction: string;
  labels: string[];
  /** Log-probability of each label's verbalizer. */
  scores: Record<string, number>;
}

/**
 * Classifies one text with a classification run: the text fills the input template (when it
 * has one column) and every label is scored by its verbalizer, as the trainer's evaluation does.
 * `data` (the run's prepared data) can be passed to skip re-reading the dataset.
 */
export async function classifyText(jobModel: LoadedModel, job: JobConfig, prompt: SoftPrompt, text: string, data?: TaskData): Promise<TextClassification> {
  const model = modelForJob(jobModel, job);
  if (job.task.kind !== 'classification') throw new SpsError('INVALID_ARGUMENT', `the run is a ${job.task.kind} run, not a classification run`, { hint: 'generate text with it instead' });
  const t = compileTemplate(job.task.inputTemplate, 'input template');
  const input = t.columns.length === 1 ? t.render({ [t.columns[0]!]: text }) : text;
  const d = data ?? (await prepareTaskData(job, model, undefined, 'labels'));
  const ids = model.tokenizer.encode(input, { addSpecialTokens: true });
  const scorer = await ScoreRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32' });
  try {
    const scores = await scorer.score(prompt, d.verbalizerIds!.map((v) => ({ ids: [...ids, ...v], labelStart: ids.length })), job.training.evalBatchSize);
    const [pred] = await classify(scorer, prompt, [{ ids, labelStart: ids.length }], d.verbalizerIds!, job.training.evalBatchSize);
    const labels = d.labels!;
    return { input, prediction: labels[pred!]!, labels, scores: Object.fromEntries(labels.map((l, i) => [l, scores[i]!.logprob])) };
  } finally {
    await scorer.release();
  }
}
