import { useEffect, useState } from 'react';
import { useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { useResults } from '../../stores';
import { EMPTY_RESULTS } from './empty_results';

/** Every validation example with the model's answer, mistakes first. */
export function Predictions({ id, classification }: { id: string; classification: boolean }) {
  const stores = useStores();
  const predictions = useResults((s) => (s.runs[id] ?? EMPTY_RESULTS).predictions);
  const [onlyErrors, setOnlyErrors] = useState(false);
  useEffect(() => {
    if ((stores.results.getState().runs[id]?.predictions.status ?? 'idle') === 'idle') void stores.results.getState().loadPredictions(id);
  }, [id, stores]);
  const rows = [...(predictions.data?.examples ?? [])].sort((a, b) => Number(a.correct ?? true) - Number(b.correct ?? true));
  const shown = onlyErrors ? rows.filter((r) => r.correct === false) : rows;
  const errors = rows.filter((r) => r.correct === false).length;
  return (
    <section className="card" data-testid="predictions">
      <div className="row wrap spread">
        <h2>Predictions</h2>
        {predictions.data && (
          <label className="small">
            <input type="checkbox" checked={onlyErrors} onChange={(e) => setOnlyErrors(e.target.checked)} data-testid="predictions-only-errors" /> only mistakes
          </label>
        )}
      </div>
      {predictions.status === 'loading' && <Loading label="Running the prompt over the validation examples…" />}
      {predictions.status === 'error' && predictions.error && <ErrorBox error={predictions.error} title="Could not compute the predictions" testId="predictions-error" />}
      {predictions.data && (
        <>
          <p className="muted small" data-testid="predictions-summary">
            {predictions.data.checkpoint} prompt on {rows.length} validation examples: {errors} {classification ? 'wrong' : 'not exact'}, shown first.
          </p>
          <div className="table-scroll">
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">line</th>
                  <th scope="col">input</th>
                  <th scope="col">{classification ? 'label' : 'reference'}</th>
                  <th scope="col">{classification ? 'prediction' : 'generated'}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r, i) => (
                  <tr key={`${r.line ?? i}-${i}`} className={r.correct === false ? 'wrong' : undefined} data-testid="prediction-row" data-correct={String(r.correct)}>
                    <td>{r.line ?? ''}</td>
                    <td>{r.input}</td>
                    <td>{classification ? r.label : r.reference}</td>
                    <td>{classification ? r.prediction : (r.generated ?? '—')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
