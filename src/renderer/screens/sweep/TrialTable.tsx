import { useState } from 'react';
import { initLabel } from '../../../shared/sweep';
import type { SweepDetail } from '../../../shared/sweep_state';
import { useStores } from '../../api/context';

type Row = SweepDetail['trialRows'][number];
type Key = 'id' | 'tokens' | 'lr' | 'init' | 'status' | 'step' | 'value';

const COLUMNS: { key: Key; label: string; get: (r: Row) => string | number }[] = [
  { key: 'id', label: 'trial', get: (r) => r.id },
  { key: 'tokens', label: 'tokens', get: (r) => r.settings.numVirtualTokens },
  { key: 'lr', label: 'lr', get: (r) => r.settings.learningRate },
  { key: 'init', label: 'init', get: (r) => initLabel(r.settings.init) },
  { key: 'step', label: 'steps got', get: (r) => r.step },
  { key: 'value', label: 'metric', get: (r) => r.value ?? -Infinity },
  { key: 'status', label: 'status', get: (r) => r.status },
];

/** Every trial, sortable by any column; the status column says why a trial stopped. */
export function TrialTable({ d }: { d: SweepDetail }) {
  const stores = useStores();
  const [sort, setSort] = useState<{ key: Key; desc: boolean }>({ key: 'value', desc: d.plan.higherIsBetter });
  const col = COLUMNS.find((c) => c.key === sort.key)!;
  const rows = [...d.trialRows].sort((a, b) => {
    const x = col.get(a);
    const y = col.get(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sort.desc ? -c : c;
  });
  return (
    <table className="table" data-testid="sweep-table">
      <thead>
        <tr>
          {COLUMNS.map((c) => (
            <th key={c.key} scope="col" aria-sort={sort.key === c.key ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
              <button type="button" className="link" onClick={() => setSort({ key: c.key, desc: sort.key === c.key ? !sort.desc : c.key === 'value' })} data-testid={`sort-${c.key}`}>
                {c.key === 'value' ? d.metric : c.label}
                {sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid="sweep-trial-row" data-trial={r.id} data-status={r.status}>
            <td>
              {r.results.length > 0 ? (
                <button type="button" className="link" onClick={() => stores.ui.getState().go({ name: 'run', id: r.runId })}>
                  {r.id}
                </button>
              ) : (
                r.id
              )}
            </td>
            <td>{r.settings.numVirtualTokens}</td>
            <td>{r.settings.learningRate}</td>
            <td>{initLabel(r.settings.init)}</td>
            <td>{r.step}</td>
            <td>{r.value === null ? '–' : r.value.toFixed(4)}</td>
            <td>
              <span className={`badge status-${r.status}`}>{r.status}</span>
              {r.reason && <span className="muted small"> {r.reason}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
