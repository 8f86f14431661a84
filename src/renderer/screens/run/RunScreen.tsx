import { useEffect, useMemo, useState } from 'react';
import { defaultMetric } from '../../../shared/job';
import { useStores } from '../../api/context';
import { StepChart } from '../../components/Chart';
import { ErrorBox, Loading, ProgressBar } from '../../components/common';
import { StatusBadge } from '../../components/StatusBadge';
import { ema, formatDuration, formatMetric } from '../../lib/format';
import { useMonitor } from '../../stores';
import type { LiveRun } from '../../stores/monitor';
import { Results } from './Results';

const MAX_DRAWN = 1500;

/** Every k-th point so charts stay fast on long runs (always keeps the last). */
function thin<T>(xs: T[]): T[] {
  if (xs.length <= MAX_DRAWN) return xs;
  const k = Math.ceil(xs.length / MAX_DRAWN);
  const out = xs.filter((_, i) => i % k === 0);
  if (out.at(-1) !== xs.at(-1)) out.push(xs.at(-1)!);
  return out;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function Controls({ id, live }: { id: string; live: LiveRun }) {
  const stores = useStores();
  const s = live.status;
  const busy = live.pending !== undefined;
  const c = (a: 'pause' | 'resume' | 'cancel') => void stores.monitor.getState().control(id, a);
  return (
    <div className="row wrap controls" role="group" aria-label="Run controls">
      <button type="button" onClick={() => c('pause')} disabled={busy || s !== 'running'} data-testid="run-pause">
        {live.pending === 'pause' ? 'Pausing…' : 'Pause'}
      </button>
      <button type="button" onClick={() => c('resume')} disabled={busy || !(s === 'paused' || s === 'interrupted' || s === 'stopped')} data-testid="run-resume">
        {live.pending === 'resume' ? 'Resuming…' : 'Resume'}
      </button>
      <button type="button" className="danger" onClick={() => c('cancel')} disabled={busy || !(s === 'running' || s === 'paused' || s === 'created' || s === 'interrupted')} data-testid="run-cancel">
        {live.pending === 'cancel' ? 'Cancelling…' : 'Cancel'}
      </button>
      {live.actionError && <ErrorBox error={live.actionError} title="The command failed" testId="run-action-error" />}
    </div>
  );
}

function Charts({ live, metric }: { live: LiveRun; metric: string }) {
  const [smoothing, setSmoothing] = useState(0.6);
  const train = useMemo(() => {
    const sm = ema(live.train.map((p) => p.loss), smoothing);
    return thin(live.train.map((p, i) => ({ step: p.step, loss: num(p.loss), smoothed: num(sm[i]), lr: num(p.lr), gradNorm: num(p.gradNorm), tokensPerSecond: num(p.tokensPerSecond) })));
  }, [live.train, smoothing]);
  const evals = useMemo(() => live.evals.map((e) => ({ step: e.step, metric: num(e.metrics[metric]), valLoss: num(e.metrics.val_loss) })), [live.evals, metric]);
  const baseMetric = num(live.baseline?.[metric]);
  const baseLoss = num(live.baseline?.val_loss);
  return (
    <div className="charts">
      <div className="chart-wrap">
        <StepChart
          title="Training loss"
          testId="chart-loss"
          data={train}
          series={[
            { key: 'loss', name: 'loss', color: 'var(--series-raw)' },
            { key: 'smoothed', name: `smoothed (EMA ${smoothing})`, color: 'var(--accent)' },
          ]}
        />
        <label className="inline-field small">
          <span>Smoothing</span>
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} data-testid="smoothing" aria-valuetext={String(smoothing)} />
          <output>{smoothing.toFixed(2)}</output>
        </label>
      </div>
      {metric !== 'val_loss' && (
        <StepChart title={`Validation ${metric}`} testId="chart-metric" data={evals} series={[{ key: 'metric', name: metric, color: '#2fb57a' }]} reference={baseMetric !== undefined ? { y: baseMetric, label: 'zero-shot baseline' } : undefined} />
      )}
      <StepChart title="Validation loss" testId="chart-val-loss" data={evals} series={[{ key: 'valLoss', name: 'val_loss', color: '#e8684a' }]} reference={baseLoss !== undefined ? { y: baseLoss, label: 'zero-shot baseline' } : undefined} />
      <StepChart title="Learning rate" testId="chart-lr" data={train} series={[{ key: 'lr', name: 'lr', color: '#b26bd6' }]} height={160} />
      <StepChart title="Gradient norm" testId="chart-grad-norm" data={train} series={[{ key: 'gradNorm', name: 'grad norm', color: '#d9a400' }]} height={160} />
      <StepChart title="Throughput (tokens/s)" testId="chart-tps" data={train} series={[{ key: 'tokensPerSecond', name: 'tokens/s', color: '#2aa9c9' }]} height={160} />
    </div>
  );
}

const EMPTY_RUN: LiveRun = { detail: { status: 'idle' }, train: [], evals: [], log: [] };

export function RunScreen({ id }: { id: string }) {
  const stores = useStores();
  const live = useMonitor((s) => s.runs[id] ?? EMPTY_RUN);
  useEffect(() => {
    void stores.monitor.getState().load(id);
  }, [id, stores]);

  const d = live.detail.data;
  if (live.detail.status === 'error' && live.detail.error && !d) {
    return (
      <div className="screen" data-testid="screen-run">
        <h1>Run</h1>
        <ErrorBox error={live.detail.error} title="Could not open the run" testId="run-error" />
      </div>
    );
  }
  if (!d) {
    return (
      <div className="screen" data-testid="screen-run">
        <Loading label="Loading the run…" testId="run-loading" />
      </div>
    );
  }
  const metric = d.job.training.metric ?? defaultMetric(d.job.task.kind).name;
  const p = live.progress;
  const status = live.status ?? d.status;
  const finished = status === 'completed' || status === 'cancelled' || ((status === 'failed' || status === 'interrupted' || status === 'stopped') && d.best !== null);
  const lastTps = live.train.at(-1)?.tokensPerSecond;
  return (
    <div className="screen run" data-testid="screen-run" data-run-id={id} data-status={status}>
      <header className="run-header">
        <h1>
          {d.name ?? d.id} <StatusBadge status={status} queued={d.queued} />
        </h1>
        <p className="muted small">
          {d.task} · <code>{d.modelPath}</code> · <code>{d.dir}</code>
        </p>
      </header>
      <Controls id={id} live={{ ...live, status }} />
      {live.error && <ErrorBox error={live.error} title="The run failed" testId="run-failure" />}
      <section className="card" aria-label="Progress">
        {live.loading && (
          <div data-testid="run-loading">
            <ProgressBar value={live.loading.bytesRead} max={Math.max(1, live.loading.totalBytes)} label={`Reading ${live.loading.file}`} testId="run-loading-progress" />
            <p className="muted small">Reading the dataset: {live.loading.file}</p>
          </div>
        )}
        {live.tokenizing && (
          <div data-testid="run-tokenizing">
            <ProgressBar value={live.tokenizing.done} max={Math.max(1, live.tokenizing.total)} label={`Tokenizing ${live.tokenizing.file}`} testId="run-tokenizing-progress" />
            <p className="muted small">
              Tokenizing into the token cache: {live.tokenizing.done} of {live.tokenizing.total} examples, {Math.round(live.tokenizing.tokensPerSecond)} tokens/s, ETA {formatDuration(live.tokenizing.etaSeconds >= 0 ? live.tokenizing.etaSeconds : undefined)}
              {status === 'running' && p ? ' (training runs meanwhile on the examples already tokenized)' : ''}
            </p>
          </div>
        )}
        <ProgressBar value={p?.step ?? d.step} max={p?.totalSteps ?? d.totalSteps} label="Training progress" testId="run-progress" />
        <div className="row wrap small stats" data-testid="run-stats">
          <span data-testid="run-step">
            step {p?.step ?? d.step} / {p?.totalSteps ?? d.totalSteps}
          </span>
          {p && p.epoch > 0 && <span>epoch {p.epoch.toFixed(2)}</span>}
          <span data-testid="run-eta">ETA {status === 'running' ? formatDuration(p?.etaSeconds) : '—'} (estimate)</span>
          <span data-testid="run-device">device {live.device ?? d.job.device}</span>
          <span data-testid="run-skipped">skipped steps {p?.skipped ?? 0}</span>
          {lastTps !== undefined && <span>{Math.round(lastTps)} tokens/s</span>}
          {d.best && (
            <span data-testid="run-best-metric">
              best {d.best.metric} {formatMetric(d.best.value)} @ {d.best.step}
              {d.best.scope && ` (${d.best.scope})`}
            </span>
          )}
          {live.baseline && <span data-testid="run-baseline">zero-shot {metric} {formatMetric(live.baseline[metric])}</span>}
        </div>
        {live.finishedReason && <p className="small">{live.finishedReason}</p>}
      </section>
      <Charts live={live} metric={metric} />
      <section className="card">
        <h2>Log</h2>
        <pre className="log" data-testid="run-log" aria-live="polite">
          {live.log.slice(-40).join('\n') || 'No log lines yet.'}
        </pre>
      </section>
      {finished ? <Results id={id} detail={d} live={live} metric={metric} /> : <p className="muted">Results, the playground and export appear here when the run finishes.</p>}
    </div>
  );
}
