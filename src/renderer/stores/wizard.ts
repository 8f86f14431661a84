import { createStore } from 'zustand';
import type { ApiClient, DatasetPreview, DatasetValidationProgress, ModelEntry, RunSummary, TemplatePreview, ValidationReportDTO } from '../../shared/api';
import { JOB_DEFAULTS, validateJob, type FieldError, type JobConfig, type TaskConfig, type TaskKind } from '../../shared/job';
import { SAMPLE_RUN_NAME, sampleJob, type SampleInfo } from '../../shared/sample_job';
import { suggestedForModel } from '../lib/estimates';
import { toSerialized, type Async } from '../lib/errors';

export const STEPS = ['Model', 'Dataset', 'Task', 'Prompt & training', 'Review & launch'] as const;

export interface WizardState {
  step: number;
  job: JobConfig;
  name: string;
  model?: ModelEntry;
  /** Which of steps/epochs decides the length of training. */
  trainingBy: 'steps' | 'epochs';
  preview: Async<DatasetPreview>;
  report: Async<ValidationReportDTO>;
  /** The running validation: its id and its latest progress (a large file takes minutes). */
  validation?: { id: string; progress?: DatasetValidationProgress };
  template: Async<TemplatePreview>;
  /** The run whose prompt initialises this one (init 'file'). */
  initRunId?: string;
  launch: Async<RunSummary>;
  setStep: (step: number) => void;
  patch: (fn: (job: JobConfig) => JobConfig) => void;
  setName: (name: string) => void;
  selectModel: (m: ModelEntry) => void;
  setDataset: (path: string) => Promise<void>;
  setValidationFile: (path: string | undefined) => void;
  setTaskKind: (kind: TaskKind) => void;
  setTask: (task: TaskConfig) => void;
  setTrainingBy: (by: 'steps' | 'epochs') => void;
  setInitRun: (run: RunSummary | undefined) => void;
  validate: () => Promise<void>;
  /** Stops the running validation (its report becomes a "cancelled" error). */
  cancelValidation: () => Promise<void>;
  onValidateProgress: (p: DatasetValidationProgress) => void;
  loadTemplatePreview: () => Promise<void>;
  launchJob: () => Promise<string | undefined>;
  /**
   * "Try the sample": the built-in model and the sentiment sample, prefilled through every step
   * (model, dataset + validation, classification template, a seconds-long training), ending on
   * Review & launch.
   */
  trySample: (model: ModelEntry, sample: SampleInfo) => Promise<void>;
  reset: () => void;
}

export function initialJob(): JobConfig {
  return {
    version: 1,
    model: { path: '' },
    data: { train: '', validationFraction: JOB_DEFAULTS.data.validationFraction },
    task: { kind: 'classification', inputTemplate: '{text}', labelColumn: 'label' },
    prompt: { numVirtualTokens: JOB_DEFAULTS.prompt.numVirtualTokens, init: JOB_DEFAULTS.prompt.init },
    training: { ...JOB_DEFAULTS.training, steps: 200 },
    device: JOB_DEFAULTS.device,
  };
}

const pick = (columns: string[], names: string[], fallback: number): string => names.find((n) => columns.includes(n)) ?? columns[fallback] ?? columns[0] ?? names[0]!;

/** A task of `kind` mapped to the dataset's columns by their usual names. */
export function guessTask(kind: TaskKind, columns: string[]): TaskConfig {
  if (kind === 'classification') {
    const label = pick(columns, ['label', 'labels', 'class', 'category', 'sentiment'], columns.length - 1);
    const text = pick(columns.filter((c) => c !== label), ['text', 'sentence', 'review', 'input', 'content'], 0);
    return { kind, inputTemplate: `{${text}}`, labelColumn: label };
  }
  if (kind === 'generation') {
    const input = pick(columns, ['input', 'prompt', 'question', 'source', 'text'], 0);
    const output = pick(columns.filter((c) => c !== input), ['output', 'completion', 'answer', 'target', 'response'], 0);
    return { kind, inputTemplate: `{${input}}`, outputTemplate: `{${output}}` };
  }
  return { kind, textColumn: pick(columns, ['text', 'content', 'body'], 0) };
}

/** The task a dataset most likely wants, from its columns. */
export function guessKind(p: DatasetPreview): TaskKind {
  if (p.format === 'text' || p.columns.length === 1) return 'lm';
  if (['label', 'labels', 'class', 'category', 'sentiment'].some((c) => p.columns.includes(c))) return 'classification';
  if (p.columns.includes('output') || p.columns.includes('completion') || p.columns.includes('answer')) return 'generation';
  return 'classification';
}

/** The column a single-column template like "{text}" refers to. */
export function templateColumn(t: string): string | undefined {
  return /^\{([^{}]+)\}$/.exec(t)?.[1];
}

const TASK_FIELDS = /^task\./;
const DATA_FIELDS = /^(data\.|model\.)/;
const TRAIN_FIELDS = /^(prompt\.|training\.|job\.device|job\.precision|device)/;

/** Why the user cannot leave `step` yet, or undefined when they can. */
export function stepBlocker(s: Pick<WizardState, 'job' | 'model' | 'preview' | 'report'>, step: number): string | undefined {
  const errs = validateJob(s.job);
  const first = (re: RegExp) => errs.find((e) => re.test(e.field));
  const say = (e: FieldError) => `${e.field}: ${e.message}`;
  if (step === 0) {
    if (!s.job.model.path) return 'Choose a model first';
    if (s.model && !s.model.supported) return `This model cannot be used: ${s.model.reason ?? 'unsupported'}`;
    return undefined;
  }
  if (step === 1) {
    if (!s.job.data.train) return 'Choose a dataset file (drop it on the window or enter its path)';
    if (s.preview.status === 'loading') return 'Reading the dataset…';
    if (s.preview.status === 'error') return 'The dataset could not be read (see the error)';
    const e = first(DATA_FIELDS) ?? first(TASK_FIELDS);
    if (e) return say(e);
    if (s.report.status === 'loading') return 'Validating the dataset…';
    if (s.report.status === 'error') return 'The dataset could not be validated (see the error)';
    if (s.report.status !== 'ready' || !s.report.data) return 'Validate the dataset';
    if (s.report.data.errors > 0) return `Fix ${s.report.data.errors} error${s.report.data.errors === 1 ? '' : 's'} in the dataset (see the report)`;
    return undefined;
  }
  if (step === 2) {
    const e = first(TASK_FIELDS);
    if (e) return say(e);
    return undefined;
  }
  if (step === 3) {
    const e = first(TRAIN_FIELDS);
    if (e) return say(e);
    return undefined;
  }
  const e = errs[0];
  return e ? say(e) : undefined;
}

/** validateJob's problems by field path, for showing next to each input. */
export function fieldErrors(job: JobConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of validateJob(job)) out[e.field] ??= e.message;
  return out;
}

export const createWizardStore = (api: ApiClient) =>
  createStore<WizardState>()((set, get) => {
    let validateSeq = 0;
    let templateSeq = 0;
    let previewSeq = 0;
    const clearReport = () => set({ report: { status: 'idle' }, template: { status: 'idle' } });
    const initial = () => ({
      step: 0,
      job: initialJob(),
      name: '',
      model: undefined,
      trainingBy: 'steps' as const,
      preview: { status: 'idle' as const },
      report: { status: 'idle' as const },
      template: { status: 'idle' as const },
      initRunId: undefined,
      launch: { status: 'idle' as const },
    });
    return {
      ...initial(),
      setStep: (step) => set({ step: Math.max(0, Math.min(STEPS.length - 1, step)) }),
      patch: (fn) => set({ job: fn(get().job) }),
      setName: (name) => set({ name }),
      selectModel: (m) => {
        const sug = suggestedForModel(m);
        const { job } = get();
        set({
          model: m,
          job: { ...job, model: { path: m.path }, prompt: { ...job.prompt, numVirtualTokens: sug.numVirtualTokens }, training: { ...job.training, learningRate: sug.learningRate, maxLength: sug.maxLength } },
        });
        if (get().preview.status === 'ready') void get().validate();
      },
      setDataset: async (path) => {
        const seq = ++previewSeq;
        const { job } = get();
        const { format: _format, textMode: _textMode, ...data } = job.data;
        set({ job: { ...job, data: { ...data, train: path } }, preview: { status: path ? 'loading' : 'idle' } });
        clearReport();
        if (!path) return;
        try {
          const p = await api.call('datasets.preview', { path, limit: 1000 });
          if (seq !== previewSeq) return;
          const kind = guessKind(p);
          const j = get().job;
          set({
            preview: { status: 'ready', data: p },
            job: { ...j, data: { ...j.data, ...(p.format === 'text' ? { textMode: 'lines' as const } : {}) }, task: guessTask(kind, p.columns) },
          });
          await get().validate();
        } catch (e) {
          if (seq === previewSeq) set({ preview: { status: 'error', error: toSerialized(e) } });
        }
      },
      setValidationFile: (path) => {
        const { job } = get();
        const { validation: _v, ...data } = job.data;
        set({ job: { ...job, data: path ? { ...data, validation: path } : data } });
        void get().validate();
      },
      setTaskKind: (kind) => {
        const cols = get().preview.data?.columns ?? [];
        const { job } = get();
        set({ job: { ...job, task: guessTask(kind, cols), prompt: job.prompt.init === 'labels' && kind !== 'classification' ? { ...job.prompt, init: 'random' } : job.prompt, training: { ...job.training, metric: undefined } } });
        clearReport();
        void get().validate();
      },
      setTask: (task) => set({ job: { ...get().job, task } }),
      setTrainingBy: (by) => {
        const { job } = get();
        const { steps: _s, epochs: _e, ...t } = job.training;
        set({ trainingBy: by, job: { ...job, training: by === 'steps' ? { ...t, steps: job.training.steps ?? 200 } : { ...t, epochs: job.training.epochs ?? 3 } } });
      },
      setInitRun: (run) => {
        const { job } = get();
        const { initFile: _f, ...prompt } = job.prompt;
        set({ initRunId: run?.id, job: { ...job, prompt: run ? { ...prompt, init: 'file', initFile: `${run.dir}/best` } : { ...prompt, init: 'random' } } });
      },
      validate: async () => {
        const { job, preview } = get();
        if (!job.data.train || preview.status !== 'ready') return;
        if (validateJob(job).some((e) => e.field.startsWith('data.'))) return;
        const seq = ++validateSeq;
        // A newer validation replaces a running one.
        const running = get().validation;
        if (running) void api.call('datasets.cancelValidate', { validationId: running.id }).catch(() => undefined);
        const validationId = `v${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
        set({ report: { status: 'loading', data: get().report.data }, validation: { id: validationId } });
        try {
          const data = await api.call('datasets.validate', { job, validationId });
          if (seq !== validateSeq) return;
          set({ report: { status: 'ready', data }, validation: undefined });
          // Classification: the labels the data has, with their default verbalizers.
          const j = get().job;
          if (j.task.kind === 'classification' && data.labels && data.labels.length && !j.task.labels) {
            set({ job: { ...j, task: { ...j.task, labels: data.labels, verbalizers: data.verbalizers ?? Object.fromEntries(data.labels.map((l) => [l, ` ${l}`])) } } });
          }
        } catch (e) {
          if (seq === validateSeq) set({ report: { status: 'error', error: toSerialized(e) }, validation: undefined });
        }
      },
      cancelValidation: async () => {
        const running = get().validation;
        if (running) await api.call('datasets.cancelValidate', { validationId: running.id }).catch(() => undefined);
      },
      onValidateProgress: (p) => {
        const running = get().validation;
        if (running?.id === p.validationId) set({ validation: { id: running.id, progress: p } });
      },
      loadTemplatePreview: async () => {
        const { job } = get();
        if (!job.data.train || !job.model.path) return;
        const seq = ++templateSeq;
        set({ template: { status: 'loading', data: get().template.data } });
        try {
          const data = await api.call('datasets.templatePreview', { job, limit: 3 });
          if (seq === templateSeq) set({ template: { status: 'ready', data } });
        } catch (e) {
          if (seq === templateSeq) set({ template: { status: 'error', error: toSerialized(e), data: get().template.data } });
        }
      },
      launchJob: async () => {
        const { job, name } = get();
        set({ launch: { status: 'loading' } });
        try {
          const named = name.trim() ? { ...job, name: name.trim() } : job;
          const created = await api.call('jobs.create', { job: named, ...(name.trim() ? { name: name.trim() } : {}) });
          const started = await api.call('jobs.start', { id: created.id });
          set({ launch: { status: 'ready', data: started } });
          return started.id;
        } catch (e) {
          set({ launch: { status: 'error', error: toSerialized(e) } });
          return undefined;
        }
      },
      trySample: async (model, sample) => {
        set({ ...initial(), name: SAMPLE_RUN_NAME });
        get().selectModel(model);
        await get().setDataset(sample.datasetPath);
        const { task, data, prompt, training } = sampleJob(get().job, sample);
        set({ job: { ...get().job, task, data: { ...get().job.data, ...data }, prompt, training } });
        await get().validate();
        const ready = STEPS.slice(0, -1).every((_, i) => stepBlocker(get(), i) === undefined);
        if (ready) set({ step: STEPS.length - 1 });
      },
      reset: () => set(initial()),
    };
  });

