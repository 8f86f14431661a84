import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { loadExamples, type BuildResult, type DatasetExample, type TaskSpec } from '../data/dataset.js';
import { tokenizeExample, type TokenizedExample } from '../data/example.js';
import { splitTrainValidation } from '../data/split.js';
import { modelForJob } from '../models/chat_template.js';
import type { LoadedModel } from '../models/load_model.js';
import type { TextTokenizer } from '../models/tokenizer.js';

/** A tokenized example ready for the trainer; `label` is the class index (classification). */
export interface TrainExample extends TokenizedExample {
  label?: number;
}

export interface TaskData {
  train: TrainExample[];
  validation: TrainExample[];
  /** Classification: label names and each verbalizer's token ids (after any input). */
  labels?: string[];
  verbalizerIds?: number[][];
  /** Examples that had to be cut to maxLength. */
  truncated: number;
  warnings: string[];
}

/**
 * Whether the tokenizer marks the start of every text itself (SentencePiece's "▁"), so a
 * leading space would become a token of its own: encode(" x") = ["▁", "▁x"], encode("x") = ["▁x"].
 */
export function addsWordStartMarker(tok: TextTokenizer): boolean {
  const spaced = tok.encode(' x', { addSpecialTokens: false });
  const bare = tok.encode('x', { addSpecialTokens: false });
  return spaced.length === bare.length + 1 && spaced.slice(1).every((id, i) => id === bare[i]);
}

export function taskSpecOf(job: JobConfig, tok?: TextTokenizer): TaskSpec {
  const t = job.task;
  if (t.kind === 'classification') {
    return {
      kind: 'classification',
      inputTemplate: t.inputTemplate,
      labelColumn: t.labelColumn,
      ...(t.labels ? { labels: t.labels } : {}),
      ...(t.verbalizers ? { verbalizers: t.verbalizers } : {}),
      ...(tok ? { verbalizerPrefix: addsWordStartMarker(tok) ? '' : ' ' } : {}),
    };
  }
  if (t.kind === 'generation') return { kind: 'generation', inputTemplate: t.inputTemplate, outputTemplate: t.outputTemplate };
  return { kind: 'lm', textColumn: t.textColumn };
}

/** Rows with errors stop the run before it starts, with the first one's location. */
function failOnProblems(result: BuildResult, file: string): string[] {
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0]!;
    throw new SpsError('INVALID_DATA', `${errors.length} row(s) cannot be used; the first: ${first.message}`, {
      location: first.location,
      hint: `${first.hint ?? 'fix the row'}; \`sps validate --data ${file}\` lists every problem`,
    });
  }
  return result.problems.filter((p) => p.severity === 'warning').map((p) => `${p.location.file ?? file}:${p.location.line ?? '?'}: ${p.message}`);
}

/**
 * Keeps an example within maxLength tokens: drops input tokens after the first (BOS) from the
 * left, so the end of the input and the output survive; an output that alone is too long is
 * cut at its end.
 */
export function truncateExample(ex: TrainExample, maxLength: number): { ex: TrainExample; cut: boolean } {
  if (ex.ids.length <= maxLength) return { ex, cut: false };
  const input = ex.ids.slice(0, ex.labelStart);
  const output = ex.ids.slice(ex.labelStart);
  const keepHead = input.length > 0 ? 1 : 0;
  const roomForInput = Math.max(keepHead, maxLength - output.length);
  const newInput = input.length <= roomForInput ? input : [...input.slice(0, keepHead), ...input.slice(input.length - (roomForInput - keepHead))];
  const newOutput = output.slice(0, maxLength - newInput.length);
  return { ex: { ...ex, ids: [...newInput, ...newOutput], labelStart: newInput.length }, cut: true };
}

/**
 * Job → tokenized train and validation examples, as DESIGN.md "Tuning semantics" define them.
 * Validation is the given file or a seeded (stratified, for classification) split of train.
 */
export async function prepareTaskData(job: JobConfig, jobModel: LoadedModel, onProgress?: (file: string, read: number, total: number) => void): Promise<TaskData> {
  // Inputs through the chat template when the job asks for it (the same wrapper everywhere).
  const model = modelForJob(jobModel, job);
  const task = taskSpecOf(job, model.tokenizer);
  const readOpts = {
    ...(job.data.format ? { format: job.data.format } : {}),
    ...(job.data.textMode ? { textMode: job.data.textMode } : {}),
  };
  const trainSet = await loadExamples(job.data.train, task, { ...readOpts, onProgress: (r, t) => onProgress?.(job.data.train, r, t) });
  const warnings = failOnProblems(trainSet, job.data.train);
  if (trainSet.examples.length === 0) throw new SpsError('INVALID_DATA', 'the training file has no usable examples', { location: { file: job.data.train } });

  const labels = trainSet.labels;
  let validationRaw: DatasetExample[];
  let trainRaw = trainSet.examples;
  if (job.data.validation) {
    // The validation file is read with the training label set, so its labels must belong to it.
    const valTask: TaskSpec = task.kind === 'classification' ? { ...task, labels: labels!, ...(trainSet.verbalizers ? { verbalizers: trainSet.verbalizers } : {}) } : task;
    const valSet = await loadExamples(job.data.validation, valTask, { ...readOpts, onProgress: (r, t) => onProgress?.(job.data.validation!, r, t) });
    warnings.push(...failOnProblems(valSet, job.data.validation));
    validationRaw = valSet.examples;
  } else {
    if (trainRaw.length < 2) throw new SpsError('INVALID_DATA', 'one example cannot be split into training and validation', { location: { file: job.data.train }, hint: 'add examples or give a validation file (--val)' });
    if (!(job.data.validationFraction > 0)) {
      throw new SpsError('INVALID_ARGUMENT', 'without a validation file the validation fraction must be above 0', { location: { field: '--val-fraction' }, hint: 'give --val FILE, or --val-fraction 0.1' });
    }
    const split = splitTrainValidation(trainRaw, { fraction: job.data.validationFraction, seed: job.training.seed, ...(task.kind === 'classification' ? { stratifyBy: (e: DatasetExample) => e.label ?? '' } : {}) });
    trainRaw = split.train;
    validationRaw = split.validation;
  }

  const tok = model.tokenizer;
  const eos = job.training.appendEos ? (model.spec.eosTokenIds[0] ?? tok.eosTokenIds[0]) : undefined;
  const labelIndex = new Map((labels ?? []).map((l, i) => [l, i]));
  let truncated = 0;
  const convert = (e: DatasetExample): TrainExample => {
    const t = tokenizeExample(tok, e);
    const withEos: TrainExample = eos !== undefined ? { ...t, ids: [...t.ids, eos] } : { ...t };
    if (e.label !== undefined) withEos.label = labelIndex.get(e.label)!;
    const r = truncateExample(withEos, job.training.maxLength);
    if (r.cut) truncated++;
    return r.ex;
  };
  const train = trainRaw.map(convert);
  const validation = validationRaw.map(convert);
  const out: TaskData = { train, validation, truncated, warnings };
  if (labels && trainSet.verbalizers) {
    out.labels = labels;
    out.verbalizerIds = labels.map((l) => tok.encode(trainSet.verbalizers![l]!, { addSpecialTokens: false }));
  }
  return out;
}
