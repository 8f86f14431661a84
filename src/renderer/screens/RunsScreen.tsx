import { useEffect, useMemo } from 'react';
import { useStores } from '../api/context';
import { StepChart } from '../components/Chart';
import { Empty, ErrorBox, Loading, ProgressBar } from '../components/common';
import { StatusBadge } from '../components/StatusBadge';
import { formatMetric } from '../lib/format';
import { useMonitor, useRuns } from '../stores';
import { SweepsList } from './sweep/SweepsList';

const COLORS = ['#4f7cff', '#e8684a', '#2fb57a', '#b26bd6', '#d9a400', '#2aa9c9', '#d64f8a', '#7d8c99'];

function Overlay({ ids, names }: { ids: string[]; names: Record<string, string> }) {
  const stores = useStores();
  const live = useMonitor((s) => s.runs);
  useEffect(() => {
    for (const id of ids) if (!stores.monitor.getState().runs[id]?.detail.data) void stores.monitor.getState().load(id);
  }, [ids, stores]);
  const data = useMemo(() => {
    const byStep = new Map<number, Record<string, number>>();
    for (const id of ids) {
      for (const p of live[id]?.train ?? []) {
        const row = byStep.get(p.step) ?? { step: p.step };
        row[id] = p.loss;
        byStep.set(p.step, row);
      }
    }
    return [...byStep.values()].sort((a, b) => a.step! - b.step!);
  }, [ids, live]);
  if (ids.length === 0) return <p className="muted">Tick runs to compare their training loss.</p>;
  return <StepChart title="Training loss" testId="runs-overlay" data={data} series={ids.map((id, i) => ({ key: id, name: names[id] ?? id, color: COLORS[i % COLORS.length]! }))} />;
}

export function RunsScreen() {
  const stores = useStores();
  const list = useRuns((s) => s.list);
  const selected = useRuns((s) => s.selected);
  useEffect(() => {
    void stores.runs.getState().load();
  }, [stores]);
  const runs = list.data ?? [];
  const names = Object.fromEntries(runs.map((r) => [r.id, r.name ?? r.id]));
  return (
    <div className="screen" data-testid="screen-runs">
      <h1>Runs</h1>
      <SweepsList />
      {list.status === 'loading' && <Loading label="Loading runs…" testId="runs-loading" />}
      {list.status === 'error' && list.error && <ErrorBox error={list.error} title="Could not list the runs" testId="runs-error" />}
      {list.status === 'ready' && runs.length === 0 && (
        <Empty title="No runs yet" testId="runs-empty">
          <button type="button" onClick={() => stores.ui.getState().go({ name: 'wizard' })}>
            Start a new tuning
          </button>
        </Empty>
      )}
      {runs.length > 0 && (
        <>
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Task</th>
                <th scope="col">Progress</th>
                <th scope="col">Best</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id} data-testid="run-row" data-run-id={r.id} data-status={r.status}>
                  <td>
                    <input type="checkbox" checked={selected.includes(r.id)} onChange={() => stores.runs.getState().toggle(r.id)} aria-label={`Compare ${r.name ?? r.id}`} data-testid="run-compare" />
                  </td>
                  <td>
                    <button type="button" className="link" onClick={() => stores.ui.getState().go({ name: 'run', id: r.id })} data-testid="run-open">
                      {r.name ?? r.id}
                    </button>
                    {r.error && <div className="small error-text">{r.error.message}</div>}
                  </td>
                  <td>
                    <StatusBadge status={r.status} queued={r.queued} />
                  </td>
                  <td>{r.task}</td>
                  <td className="progress-cell">
                    <ProgressBar value={r.step} max={r.totalSteps} label={`${r.name ?? r.id} progress`} testId="run-progress" />
                    <span className="small muted">
                      {r.step}/{r.totalSteps}
                    </span>
                  </td>
                  <td data-testid="run-best">{r.best ? `${r.best.metric} ${formatMetric(r.best.value)} @ ${r.best.step}${r.best.scope ? ` (${r.best.scope})` : ''}` : '—'}</td>
                  <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <section className="card">
            <h2>Compare</h2>
            <Overlay ids={selected} names={names} />
          </section>
        </>
      )}
    </div>
  );
}
