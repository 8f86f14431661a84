import type { Metrics } from '../../../shared/training_events';
import { formatMetric } from '../../lib/format';

export function MetricsTable({ final, best, baseline }: { final?: Metrics; best?: Metrics; baseline?: Metrics }) {
  const keys = [...new Set([...Object.keys(baseline ?? {}), ...Object.keys(best ?? {}), ...Object.keys(final ?? {})])].filter((k) => typeof (best?.[k] ?? final?.[k] ?? baseline?.[k]) === 'number');
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
    </table>
  );
}
