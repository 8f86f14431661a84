import type { Metrics } from '../../../shared/training_events';
import { EVALUATION_COUNTS } from '../../../shared/metric_format';
import { formatMetric, generationScope } from '../../lib/format';

const COUNTS: ReadonlySet<string> = new Set(EVALUATION_COUNTS);

export function MetricsTable({ final, best, baseline }: { final?: Metrics; best?: Metrics; baseline?: Metrics }) {
  const keys = [...new Set([...Object.keys(baseline ?? {}), ...Object.keys(best ?? {}), ...Object.keys(final ?? {})])].filter((k) => !COUNTS.has(k) && typeof (best?.[k] ?? final?.[k] ?? baseline?.[k]) === 'number');
  // Generation metrics scored on part of the validation set say on how many examples.
  const partial = ([['Zero-shot', baseline], ['Best', best], ['Last evaluation', final]] as const).flatMap(([h, m]) => {
    const scope = generationScope(m);
    return scope ? [`${h}: exact_match and token_f1 ${scope}`] : [];
  });
  if (keys.length === 0) return <p className="muted">No evaluation yet.</p>;
  return (
    <table className="table compact" data-testid="final-metrics">
      <thead>
        <tr>
          <th scope="col">Metric</th>
          <th scope="col">Zero-shot</th>
          <th scope="col">Best</th>
          <th scope="col">Last evaluation</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="num">{formatMetric(baseline?.[k])}</td>
            <td className="num">{formatMetric(best?.[k])}</td>
            <td className="num">{formatMetric(final?.[k])}</td>
          </tr>
        ))}
      </tbody>
      {partial.length > 0 && (
        <caption className="muted small" data-testid="metrics-scope">
          {partial.join('; ')}
        </caption>
      )}
    </table>
  );
}
