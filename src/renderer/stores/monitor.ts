import { createStore } from 'zustand';
import type { ApiClient, MetricRecord, RunDetail, RunSummary } from '../../shared/api';
import type { Metrics, RunStatus, SerializedError, TrainingEvent } from '../../shared/training_events';
import { toSerialized, type Async } from '../lib/errors';

export interface TrainPoint {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
}

export interface EvalPoint {
  step: number;
  metrics: Metrics;
  best: boolean;
}

export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  etaSeconds: number;
  skipped: number;
}

export type RunAction = 'pause' | 'resume' | 'cancel';

export interface LiveRun {
  detail: Async<RunDetail>;
  status?: RunStatus;
  train: TrainPoint[];
  evals: EvalPoint[];
  baseline?: Metrics;
  progress?: Progress;
  device?: string;
  log: string[];
  error?: SerializedError;
  finishedReason?: string;
  /** Reading the dataset before training starts (cleared by 'started'). */
  loading?: { file: string; bytesRead: number; totalBytes: number };
  /** Tokenizing the dataset into the token cache: before the first step, or next to training (large data). */
  tokenizing?: { file: string; done: number; total: number; tokensPerSecond: number; etaSeconds: number };
  /** The control call in flight, and the last one's failure. */
  pending?: RunAction;
  actionError?: SerializedError;
}

export interface MonitorState {
  runs: Record<string, LiveRun>;
  load: (id: string) => Promise<void>;
  onEvent: (id: string, event: TrainingEvent) => void;
  onChanged: (run: RunSummary) => void;
  control: (id: string, action: RunAction) => Promise<void>;
}

const MAX_POINTS = 50_000;
const MAX_LOG = 200;

const empty = (): LiveRun => ({ detail: { status: 'idle' }, train: [], evals: [], log: [] });

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

function metricsOf(r: MetricRecord): Metrics {
  const m: Metrics = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'kind' || k === 'step' || k === 'best') continue;
    if (typeof v === 'number' || Array.isArray(v)) m[k] = v as Metrics[string];
  }
  return m;
}

/** The charts' series from a run's metrics history (metrics.jsonl). */
export function seriesFromHistory(records: MetricRecord[]): Pick<LiveRun, 'train' | 'evals' | 'baseline'> & { skipped: number } {
  const train: TrainPoint[] = [];
  const evals: EvalPoint[] = [];
  let baseline: Metrics | undefined;
  let skipped = 0;
  for (const r of records) {
    if (r.kind === 'train') train.push({ step: r.step, loss: num(r.loss), lr: num(r.lr), gradNorm: num(r.gradNorm), tokensPerSecond: num(r.tokensPerSecond) });
    else if (r.kind === 'evaluation') evals.push({ step: r.step, metrics: metricsOf(r), best: r.best === true });
    else if (r.kind === 'baseline') baseline = metricsOf(r);
    else if (r.kind === 'skipped') skipped++;
  }
  return { train, evals, baseline, skipped };
}

/** How often live progress is drawn (ms). */
export const PROGRESS_FLUSH_MS = 200;

export const createMonitorStore = (api: ApiClient) =>
  createStore<MonitorState>()((set, get) => {
    const update = (id: string, fn: (r: LiveRun) => Partial<LiveRun>) => {
      const cur = get().runs[id] ?? empty();
      set({ runs: { ...get().runs, [id]: { ...cur, ...fn(cur) } } });
    };
    const apply = (id: string, ev: TrainingEvent) => {
      update(id, (r) => {
          const log = (line: string) => [...r.log, line].slice(-MAX_LOG);
          switch (ev.type) {
            case 'loading':
              return { loading: { file: ev.file, bytesRead: ev.bytesRead, totalBytes: ev.totalBytes } };
            case 'tokenizing':
              return { tokenizing: ev.done < ev.total ? { file: ev.file, done: ev.done, total: ev.total, tokensPerSecond: ev.tokensPerSecond, etaSeconds: ev.etaSeconds } : undefined };
            case 'started':
              return { loading: undefined, status: 'running', device: ev.device, progress: { step: ev.step, totalSteps: ev.totalSteps, epoch: r.progress?.epoch ?? 0, etaSeconds: NaN, skipped: r.progress?.skipped ?? 0 }, log: log(`${ev.resumed ? 'Resumed' : 'Started'} on ${ev.device}: ${ev.numTrain} training and ${ev.numValidation} validation examples, ${ev.totalSteps} steps`), error: undefined };
            case 'baseline':
              return { baseline: ev.metrics, log: log('Zero-shot baseline evaluated') };
            case 'progress':
              return {
                status: r.status === 'paused' ? r.status : 'running',
                train: [...r.train, { step: ev.step, loss: ev.loss, lr: ev.lr, gradNorm: ev.gradNorm, tokensPerSecond: ev.tokensPerSecond }].slice(-MAX_POINTS),
                progress: { step: ev.step, totalSteps: ev.totalSteps, epoch: ev.epoch, etaSeconds: ev.etaSeconds, skipped: ev.skipped },
              };
            case 'skipped':
              return { log: log(`Step ${ev.step} skipped (${ev.consecutive} in a row): ${ev.reason}`) };
            case 'evaluation':
              return { evals: [...r.evals, { step: ev.step, metrics: ev.metrics, best: ev.best }], log: log(`Evaluation at step ${ev.step}${ev.best ? ' (new best)' : ''}`) };
            case 'checkpoint':
              return { log: log(`Checkpoint at step ${ev.step}`) };
            case 'paused':
              return { status: 'paused', log: log(`Paused at step ${ev.step}`) };
            case 'resumed':
              return { status: 'running', log: log(`Resumed at step ${ev.step}`) };
            case 'log':
              return { log: log(`${ev.level === 'warn' ? 'warning: ' : ''}${ev.message}`) };
            case 'finished':
              return { status: ev.status, finishedReason: ev.reason, log: log(`Finished (${ev.status}) at step ${ev.step}: ${ev.reason}`) };
            case 'failed':
              return { status: 'failed', error: ev.error, log: log(`Failed at step ${ev.step}: ${ev.error.message} (log: ${ev.logPath})`) };
            default:
              return {};
          }
      });
    };
    let pendingProgress: [string, TrainingEvent][] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flushProgress = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      const batch = pendingProgress;
      pendingProgress = [];
      for (const [id, ev] of batch) apply(id, ev);
    };
    return {
      runs: {},
      load: async (id) => {
        update(id, (r) => ({ detail: { status: 'loading', data: r.detail.data } }));
        try {
          const d = await api.call('jobs.get', { id });
          const h = seriesFromHistory(d.metrics);
          update(id, (r) => {
            const lastTrain = h.train.at(-1)?.step ?? -1;
            const lastEval = h.evals.at(-1)?.step ?? -1;
            return {
              detail: { status: 'ready', data: d },
              status: d.status,
              // Events that arrived while jobs.get was on its way come after the history.
              train: [...h.train, ...r.train.filter((p) => p.step > lastTrain)],
              evals: [...h.evals, ...r.evals.filter((p) => p.step > lastEval)],
              baseline: h.baseline ?? r.baseline,
              log: r.log.length ? r.log : d.log.slice(-MAX_LOG),
              error: d.error ?? r.error,
              progress: r.progress ?? { step: d.step, totalSteps: d.totalSteps, epoch: 0, etaSeconds: NaN, skipped: h.skipped },
            };
          });
        } catch (e) {
          update(id, () => ({ detail: { status: 'error', error: toSerialized(e) } }));
        }
      },
      onEvent: (id, ev) => {
        // Progress can arrive dozens of times a second on small models; redrawing six charts
        // for each would leave the page seconds behind the run. Progress events are applied
        // together at most every PROGRESS_FLUSH_MS; any other event first flushes what waits,
        // so the order of events is kept.
        if (ev.type === 'progress' || ev.type === 'tokenizing') {
          pendingProgress.push([id, ev]);
          if (!flushTimer) flushTimer = setTimeout(flushProgress, PROGRESS_FLUSH_MS);
          return;
        }
        flushProgress();
        apply(id, ev);
      },
      onChanged: (run) => {
        if (!get().runs[run.id]) return;
        update(run.id, (r) => ({ status: run.status, ...(run.error ? { error: run.error } : {}), detail: r.detail.data ? { ...r.detail, data: { ...r.detail.data, ...run } } : r.detail }));
      },
      control: async (id, action) => {
        update(id, () => ({ pending: action, actionError: undefined }));
        try {
          if (action === 'pause') {
            await api.call('jobs.pause', { id });
          } else if (action === 'resume') {
            const s = await api.call('jobs.resume', { id });
            update(id, () => ({ status: s.status }));
          } else {
            await api.call('jobs.cancel', { id });
          }
          update(id, () => ({ pending: undefined }));
        } catch (e) {
          update(id, () => ({ pending: undefined, actionError: toSerialized(e) }));
        }
      },
    };
  });
