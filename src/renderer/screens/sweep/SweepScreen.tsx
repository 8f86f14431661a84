import { useEffect, useState } from 'react';
import { useStores } from '../../api/context';
import { ErrorBox, Loading, ProgressBar } from '../../components/common';
import { formatDuration } from '../../lib/format';
import { toSerialized } from '../../lib/errors';
import type { SerializedError } from '../../../shared/training_events';
import { useSweeps } from '../../stores';
import { ExportDialog } from '../run/ExportDialog';
import { CurvesChart, HeatMap, LengthChart } from './SweepCharts';
import { TrialTable } from './TrialTable';

const NO_FEED: string[] = [];

/**
 * A sweep's comparison view: what it recommends (export it, or continue it as a full run),
 * which setting mattered, the best metric by prompt length and learning rate, every trial's
 * curve, and every trial in a sortable table with the reason it stopped where it did.
 */
export function SweepScreen({ id }: { id: string }) {
  const stores = useStores();
  const detail = useSweeps((s) => s.detail[id]);
  const feed = useSweeps((s) => s.feed[id]) ?? NO_FEED;
  const [exporting, setExporting] = useState(false);
  const [actionError, setActionError] = useState<SerializedError | null>(null);
  useEffect(() => {
    void stores.sweeps.getState().load(id);
  }, [id, stores]);
  const d = detail?.data;
  if (!d) {
    if (detail?.status === 'error' && detail.error) return <ErrorBox error={detail.error} title="Could not open the sweep" />;
    return <Loading label="Loading the sweep…" />;
  }
  const live = d.status === 'running' || d.status === 'created';
  const rec = d.recommendation;
  const bestRow = rec ? d.trialRows.find((r) => r.id === rec.trial) : undefined;
  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
    } catch (e) {
      setActionError(toSerialized(e));
    }
  };
  return (
    <section className="sweep-screen" data-testid="sweep-screen" data-status={d.status}>
      <header className="row wrap">
        <h2>{d.name ?? d.id}</h2>
        <span className={`badge status-${d.status}`} data-testid="sweep-status">
          {d.status}
        </span>
        <div className="row">
          {live && (
            <button type="button" className="danger" onClick={() => void act(() => stores.sweeps.getState().cancel(id))} data-testid="sweep-cancel">
              Stop
            </button>
          )}
          {(d.status === 'cancelled' || d.status === 'interrupted' || d.status === 'failed') && (
            <button type="button" onClick={() => void act(() => stores.sweeps.getState().resume(id))} data-testid="sweep-resume">
              Resume
            </button>
          )}
        </div>
      </header>
      {d.reason && <p className="muted">{d.reason}</p>}
      <ProgressBar value={d.stepsUsed} max={d.plannedSteps} label={`${d.stepsUsed} of ${d.plannedSteps} planned steps (the full grid would take ${d.fullGridSteps}); ${d.trialsRun} of ${d.trials} trials run; ${formatDuration(d.elapsedSeconds)}`} testId="sweep-progress" />
      <p className="muted small" data-testid="sweep-rules">
        {d.plan.note}. Successive halving: rungs end at {d.plan.rungs.join(' / ')} steps{d.state.decisions.length > 0 ? '; ' : '.'}
        {d.state.decisions.map((x) => `rung ${x.rung + 1}: ${x.rule}`).join('; ')}
      </p>
      {actionError && <ErrorBox error={actionError} title="That did not work" />}
      {rec && bestRow && (
        <section className="card recommendation" data-testid="sweep-recommendation" aria-label="Recommendation">
          <h3>Recommendation</h3>
          <p data-testid="sweep-recommendation-text">{rec.text}</p>
          <div className="row wrap">
            <button type="button" className="primary" onClick={() => setExporting(true)} data-testid="sweep-export-best">
              Export the best prompt
            </button>
            <button
              type="button"
              disabled={bestRow.status !== 'stopped' && bestRow.status !== 'waiting'}
              title={bestRow.status === 'completed' ? 'this trial already ran its full steps' : undefined}
              onClick={() =>
                void act(async () => {
                  stores.ui.getState().go({ name: 'run', id: bestRow.runId });
                  // An ordinary jobs.resume: the trial's run continues from its rung checkpoint to its full steps.
                  await stores.monitor.getState().control(bestRow.runId, 'resume');
                })
              }
              data-testid="sweep-continue-best"
            >
              Continue it as a full run
            </button>
            <button type="button" className="secondary" onClick={() => stores.ui.getState().go({ name: 'run', id: bestRow.runId })} data-testid="sweep-open-best">
              Open its run
            </button>
          </div>
        </section>
      )}
      {d.sensitivity && (
        <section className="card" data-testid="sweep-sensitivity" aria-label="Which setting mattered">
          <h3>Which setting mattered</h3>
          <p>{d.sensitivity.summary}</p>
        </section>
      )}
      <div className="grid2">
        <LengthChart d={d} />
        <HeatMap d={d} />
      </div>
      <CurvesChart d={d} />
      <TrialTable d={d} />
      {feed.length > 0 && (
        <section className="card" aria-label="Recent sweep events">
          <h3>Latest</h3>
          <ul className="small" data-testid="sweep-feed">
            {feed.map((l, i) => (
              <li key={i}>{l}</li>
            ))}
          </ul>
        </section>
      )}
      {exporting && bestRow && <ExportDialog id={bestRow.runId} name={bestRow.id} onClose={() => setExporting(false)} />}
    </section>
  );
}
