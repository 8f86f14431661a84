import { useEffect } from 'react';
import { useStores } from '../../api/context';
import { useSweeps } from '../../stores';

/** The sweeps, above the runs list: status, progress and best value; a click opens the comparison view. */
export function SweepsList() {
  const stores = useStores();
  const list = useSweeps((s) => s.list);
  useEffect(() => {
    void stores.sweeps.getState().loadList();
  }, [stores]);
  if (list.length === 0) return null;
  return (
    <section className="card" data-testid="sweeps-list" aria-label="Sweeps">
      <h2>Sweeps</h2>
      <ul className="plain">
        {list.map((s) => (
          <li key={s.id} className="row wrap">
            <button type="button" className="link" onClick={() => stores.ui.getState().go({ name: 'sweep', id: s.id })} data-testid="sweep-link">
              {s.name ?? s.id}
            </button>
            <span className={`badge status-${s.status}`}>{s.status}</span>
            <span className="muted small">
              {s.trialsRun}/{s.trials} trials · {s.stepsUsed}/{s.plannedSteps} steps{s.best ? ` · best ${s.metric} ${s.best.value.toFixed(3)} (${s.best.trial})` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
