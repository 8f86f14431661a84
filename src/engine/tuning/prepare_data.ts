import { statSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { tokenCacheRoot } from '../data/cache_entry.js';
import type { TaskSpec } from '../data/dataset.js';
import type { TokenizedExample } from '../data/example.js';
import type { ExampleIndex } from '../data/example_index.js';
import { TokenizedDataset, tokenizerVariantOf, type TokenizeProgress } from '../data/tokenized_dataset.js';
import { splitIndices } from '../data/split.js';
import { modelForJob } from '../models/chat_template.js';
import type { LoadedModel } from '../models/load_model.js';
import type { TextTokenizer } from '../models/tokenizer.js';
import type { ExampleSource } from './evaluate.js';

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
function failOnProblems(index: ExampleIndex, file: string): string[] {
  const p = index.problems;
  if (p.errors > 0) {
    const errors = p.shown.filter((x) => x.severity === 'error').sort((x, y) => (x.location.line ?? 0) - (y.location.line ?? 0));
    const first = errors[0]!;
    throw new SpsError('INVALID_DATA', `${p.errors} row(s) cannot be used; the first: ${first.message}`, {
      location: first.location,
      hint: `${first.hint ?? 'fix the row'}; \`sps validate --data ${file}\` lists every problem`,
    });
  }
  return p.shown.filter((x) => x.severity === 'warning').map((x) => `${x.location.file ?? file}:${x.location.line ?? '?'}: ${x.message}`);
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
 * A job's train and validation examples, tokenized through the shared token cache and served
 * by number (DESIGN.md "Tuning semantics" apply when an example is read: EOS, label, and the
 * maxLength cut). Which examples are train and which validation is a pure function of the
 * dataset and the seed, decided from the first pass alone (a seeded, stratified for
 * classification, split of the file's usable examples; or the given validation file).
 */
export class StreamedTaskData {
  readonly labels?: string[];
  readonly verbalizerIds?: number[][];

  constructor(
    private readonly trainSet: TokenizedDataset,
    private readonly valSet: TokenizedDataset,
    /** Example numbers (in their dataset) of the train and validation examples. */
    private readonly trainIdx: Int32Array,
    private readonly valIdx: Int32Array,
    private readonly eos: number | undefined,
    private readonly maxLength: number,
    readonly warnings: string[],
    labels: { labels: string[]; verbalizerIds: number[][] } | undefined,
  ) {
    if (labels) {
      this.labels = labels.labels;
      this.verbalizerIds = labels.verbalizerIds;
    }
  }

  get numTrain(): number {
    return this.trainIdx.length;
  }
  get numValidation(): number {
    return this.valIdx.length;
  }
  /** Every example is in the cache already. */
  get complete(): boolean {
    return this.trainSet.complete && this.valSet.complete;
  }

  private convert(set: TokenizedDataset, i: number, t: TokenizedExample): TrainExample {
    const ids = this.eos !== undefined ? [...t.ids, this.eos] : t.ids;
    const ex: TrainExample = { ids, labelStart: t.labelStart };
    const line = set.index.lines?.[i];
    if (line !== undefined) ex.source = { file: set.index.file, line };
    const label = set.index.labelIds?.[i];
    if (label !== undefined) ex.label = label;
    return truncateExample(ex, this.maxLength).ex;
  }

  /** The k-th training example (k < numTrain), waiting while it is being tokenized. */
  async train(k: number): Promise<TrainExample> {
    const i = this.trainIdx[k]!;
    return this.convert(this.trainSet, i, await this.trainSet.get(i));
  }

  /**
   * The validation examples as evaluation reads them: block by block from the token cache
   * (waiting for tokens still being tokenized), never all in memory at once.
   */
  validationSource(): ExampleSource {
    return {
      length: this.valIdx.length,
      read: async (start, end) => {
        const idx = Array.from(this.valIdx.subarray(start, end));
        const got = await Promise.all(idx.map((i) => this.valSet.get(i)));
        return got.map((t, j) => this.convert(this.valSet, idx[j]!, t));
      },
    };
  }

  /** All validation examples (waits for their tokens; asked for in blocks, so they are tokenized together). */
  async validation(): Promise<TrainExample[]> {
    const out: TrainExample[] = [];
    const BLOCK = 4096;
    for (let k = 0; k < this.valIdx.length; k += BLOCK) {
      const idx = Array.from(this.valIdx.subarray(k, k + BLOCK));
      const got = await Promise.all(idx.map((i) => this.valSet.get(i)));
      got.forEach((t, j) => out.push(this.convert(this.valSet, idx[j]!, t)));
    }
    return out;
  }

  /**
   * Tokenizes what the cache lacks in the order a run needs it: the training examples of its
   * steps up to the first evaluation (`upcoming` in data order, the first `beforeEval` of
   * them), then the validation set, then the rest of `upcoming`, then everything else.
   */
  tokenize(upcoming: ArrayLike<number>, opts: { beforeEval?: number; threads?: number; onProgress?: (p: TokenizeProgress) => void } = {}): Promise<void> {
    // Views and maps, no copies: a multi-GB corpus has millions of example numbers.
    const cut = Math.min(upcoming.length, opts.beforeEval ?? upcoming.length);
    const head = { items: sliceOf(upcoming, 0, cut), map: this.trainIdx };
    const tail = { items: sliceOf(upcoming, cut, upcoming.length), map: this.trainIdx };
    const fillOpts = { ...(opts.threads !== undefined ? { threads: opts.threads } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
    if (this.valSet === this.trainSet) return this.trainSet.fill([head, { items: this.valIdx }, tail], fillOpts);
    return Promise.all([this.trainSet.fill([head, tail], fillOpts), this.valSet.fill(this.valIdx, fillOpts)]).then(() => undefined);
  }

  /** Examples cut to maxLength among those tokenized so far (all of them once complete). */
  truncatedCount(): number {
    const extra = this.eos !== undefined ? 1 : 0;
    let n = 0;
    for (const [set, idx] of [[this.trainSet, this.trainIdx], [this.valSet, this.valIdx]] as const) {
      for (const i of idx) if (set.tokensOf(i) > 0 && set.tokensOf(i) + extra > this.maxLength) n++;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.trainSet.close();
    if (this.valSet !== this.trainSet) await this.valSet.close();
  }
}

/** A view of a typed array (no copy), or a slice of a plain one. */
function sliceOf(a: ArrayLike<number>, from: number, to: number): ArrayLike<number> {
  return a instanceof Int32Array ? a.subarray(from, to) : Array.prototype.slice.call(a, from, to);
}

export interface OpenTaskDataOptions {
  onProgress?: (file: string, read: number, total: number) => void;
  cacheRoot?: string;
  /** SHA-256 fingerprints already taken (a run's job.json), used while the files are unchanged since `takenAt`. */
  known?: { takenAt: string; train?: { sha256: string; bytes: number }; validation?: { sha256: string; bytes: number } };
}

/** A fingerprint taken earlier, if the file has not been modified (size, mtime) since. */
function stillValid(file: string, fp: { sha256: string; bytes: number } | undefined, takenAt: string | undefined): { sha256: string; bytes: number } | undefined {
  if (!fp || !takenAt) return undefined;
  try {
    const st = statSync(file);
    return st.size === fp.bytes && st.mtimeMs < Date.parse(takenAt) ? { sha256: fp.sha256, bytes: fp.bytes } : undefined;
  } catch {
    return undefined;
  }
}

/** Opens a job's data: the first pass (or its cached result), the split, the token cache. */
export async function openTaskData(job: JobConfig, jobModel: LoadedModel, opts: OpenTaskDataOptions = {}): Promise<StreamedTaskData> {
  // Inputs through the chat template when the job asks for it (the same wrapper everywhere).
  const model = modelForJob(jobModel, job);
  const task = taskSpecOf(job, model.tokenizer);
  const read = {
    ...(job.data.format ? { format: job.data.format } : {}),
    ...(job.data.textMode ? { textMode: job.data.textMode } : {}),
  };
  // A chat-templated input is a different tokenization: its own cache entry, tokenized by the wrapper.
  const common = { tokenizer: model.tokenizer, modelDir: model.dir, cacheRoot: opts.cacheRoot ?? tokenCacheRoot(), read, ...tokenizerVariantOf(model.tokenizer) };
  const trainFp = stillValid(job.data.train, opts.known?.train, opts.known?.takenAt);
  const trainSet = await TokenizedDataset.open({ ...common, file: job.data.train, task, ...(trainFp ? { fileFingerprint: trainFp } : {}), onReadProgress: (r, t) => opts.onProgress?.(job.data.train, r, t) });
  const ix = trainSet.index;
  let valSet = trainSet;
  try {
    const warnings = failOnProblems(ix, job.data.train);
    if (ix.count === 0) throw new SpsError('INVALID_DATA', 'the training file has no usable examples', { location: { file: job.data.train } });
    let trainIdx: Int32Array;
    let valIdx: Int32Array;
    if (job.data.validation) {
      // The validation file is read with the training label set, so its labels must belong to it.
      const valTask: TaskSpec = task.kind === 'classification' ? { ...task, labels: ix.labels!, ...(ix.verbalizers ? { verbalizers: ix.verbalizers } : {}) } : task;
      const valFp = stillValid(job.data.validation, opts.known?.validation, opts.known?.takenAt);
      valSet = await TokenizedDataset.open({ ...common, file: job.data.validation, task: valTask, ...(valFp ? { fileFingerprint: valFp } : {}), onReadProgress: (r, t) => opts.onProgress?.(job.data.validation!, r, t) });
      warnings.push(...failOnProblems(valSet.index, job.data.validation));
      trainIdx = new Int32Array(ix.count).map((_, i) => i);
      valIdx = new Int32Array(valSet.count).map((_, i) => i);
    } else {
      if (ix.count < 2) throw new SpsError('INVALID_DATA', 'one example cannot be split into training and validation', { location: { file: job.data.train }, hint: 'add examples or give a validation file (--val)' });
      if (!(job.data.validationFraction > 0)) {
        throw new SpsError('INVALID_ARGUMENT', 'without a validation file the validation fraction must be above 0', { location: { field: '--val-fraction' }, hint: 'give --val FILE, or --val-fraction 0.1' });
      }
      const labelNames = ix.labels;
      const labelIds = ix.labelIds;
      const split = splitIndices(ix.count, { fraction: job.data.validationFraction, seed: job.training.seed, ...(task.kind === 'classification' && labelNames && labelIds ? { stratifyBy: (i: number) => labelNames[labelIds[i]!] ?? '' } : {}) });
      trainIdx = split.train;
      valIdx = split.validation;
    }
    const tok = model.tokenizer;
    const eos = job.training.appendEos ? (model.spec.eosTokenIds[0] ?? tok.eosTokenIds[0]) : undefined;
    const labels = ix.labels && ix.verbalizers ? { labels: ix.labels, verbalizerIds: ix.labels.map((l) => tok.encode(ix.verbalizers![l]!, { addSpecialTokens: false })) } : undefined;
    return new StreamedTaskData(trainSet, valSet, trainIdx, valIdx, eos, job.training.maxLength, warnings, labels);
  } catch (err) {
    await trainSet.close();
    if (valSet !== trainSet) await valSet.close();
    throw err;
  }
}

/**
 * Job → tokenized train and validation examples, all in memory (evaluation, predictions and
 * other small-data callers; training streams them through `openTaskData`).
 */
export async function prepareTaskData(job: JobConfig, model: LoadedModel, onProgress?: (file: string, read: number, total: number) => void): Promise<TaskData> {
  const data = await openTaskData(job, model, onProgress ? { onProgress } : {});
  try {
    await data.tokenize([]);
    const train: TrainExample[] = [];
    for (let k = 0; k < data.numTrain; k++) train.push(await data.train(k));
    const validation = await data.validation();
    const out: TaskData = { train, validation, truncated: data.truncatedCount(), warnings: data.warnings };
    if (data.labels && data.verbalizerIds) {
      out.labels = data.labels;
      out.verbalizerIds = data.verbalizerIds;
    }
    return out;
  } finally {
    await data.close();
  }
}
