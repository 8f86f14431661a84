import { useEffect } from 'react';
import { useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { useResults } from '../../stores';
import { EMPTY_RESULTS } from './empty_results';

export function NearestTokens({ id }: { id: string }) {
  const stores = useStores();
  const nearest = useResults((s) => (s.runs[id] ?? EMPTY_RESULTS).nearest);
  useEffect(() => {
    if ((stores.results.getState().runs[id]?.nearest.status ?? 'idle') === 'idle') void stores.results.getState().loadNearest(id);
  }, [id, stores]);
  return (
    <section className="card" data-testid="nearest-tokens">
      <h2>Nearest vocabulary tokens</h2>
      <p className="muted small">For each virtual token, the vocabulary tokens whose embeddings are most similar (cosine). Soft prompts rarely read as words; this is a hint, not a translation.</p>
      {nearest.status === 'loading' && <Loading label="Projecting the prompt onto the vocabulary…" />}
      {nearest.status === 'error' && nearest.error && <ErrorBox error={nearest.error} title="Could not compute the nearest tokens" testId="nearest-error" />}
      {nearest.data && (
        <table className="table compact">
          <tbody>
            {nearest.data.map((n) => (
              <tr key={n.index}>
                <th scope="row">#{n.index}</th>
                <td>
                  {n.tokens.map((t) => (
                    <span key={t.id} className="tok" title={`id ${t.id}, similarity ${t.similarity.toFixed(3)}`}>
                      {JSON.stringify(t.token).slice(1, -1)}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
