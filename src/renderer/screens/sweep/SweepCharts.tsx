import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SweepDetail } from '../../../shared/sweep_state';
import { useWidth } from '../../components/common';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const tooltipStyle = { background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' };

type Rows = SweepDetail['trialRows'];

/** Best value per (prompt length, learning rate) over the other settings. */
function bestBy(rows: Rows, higherIsBetter: boolean): Map<string, { value: number; step: number }> {
  const out = new Map<string, { value: number; step: number }>();
  for (const r of rows) {
    if (r.value === null) continue;
    const key = `${r.settings.numVirtualTokens}|${r.settings.learningRate}`;
    const prev = out.get(key);
    if (!prev || (higherIsBetter ? r.value > prev.value : r.value < prev.value)) out.set(key, { value: r.value, step: r.step });
  }
  return out;
}

const sortedUnique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** Best metric against prompt length, one line per learning rate. */
export function LengthChart({ d }: { d: SweepDetail }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const best = bestBy(d.trialRows, d.plan.higherIsBetter);
  const lengths = sortedUnique(d.trialRows.map((r) => r.settings.numVirtualTokens));
  const lrs = sortedUnique(d.trialRows.map((r) => r.settings.learningRate));
  const data = lengths.map((n) => Object.fromEntries([['tokens', n], ...lrs.map((lr) => [`lr ${lr}`, best.get(`${n}|${lr}`)?.value])]));
  return (
    <figure className="chart" ref={ref} data-testid="sweep-length-chart" aria-label={`best ${d.metric} by prompt length, one line per learning rate`}>
      <figcaption>Best {d.metric} by prompt length</figcaption>
      <LineChart width={Math.max(240, width - 8)} height={220} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
        <XAxis dataKey="tokens" stroke="var(--muted)" fontSize={11} label={{ value: 'virtual tokens', position: 'insideBottomRight', offset: -2, fill: 'var(--muted)', fontSize: 11 }} />
        <YAxis stroke="var(--muted)" fontSize={11} width={56} domain={['auto', 'auto']} />
        <Tooltip contentStyle={tooltipStyle} />
        <Legend />
        {lrs.map((lr, i) => (
          <Line key={lr} type="monotone" dataKey={`lr ${lr}`} stroke={PALETTE[i % PALETTE.length]} isAnimationActive={false} connectNulls />
        ))}
      </LineChart>
    </figure>
  );
}

/** Learning rate × prompt length, each cell the best value and the steps that trial got. */
export function HeatMap({ d }: { d: SweepDetail }) {
  const best = bestBy(d.trialRows, d.plan.higherIsBetter);
  const lengths = sortedUnique(d.trialRows.map((r) => r.settings.numVirtualTokens));
  const lrs = sortedUnique(d.trialRows.map((r) => r.settings.learningRate));
  const values = [...best.values()].map((v) => v.value);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const shade = (v: number) => {
    const f = hi > lo ? (v - lo) / (hi - lo) : 1;
    const good = d.plan.higherIsBetter ? f : 1 - f;
    return `hsl(${Math.round(good * 120)} 55% 45% / ${0.25 + 0.6 * good})`;
  };
  return (
    <figure className="chart heatmap" data-testid="sweep-heatmap">
      <figcaption>
        {d.metric}: learning rate × prompt length <span className="muted small">(steps the trial got in brackets)</span>
      </figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col">lr \ tokens</th>
            {lengths.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {lrs.map((lr) => (
            <tr key={lr}>
              <th scope="row">{lr}</th>
              {lengths.map((n) => {
                const c = best.get(`${n}|${lr}`);
                return (
                  <td key={n} style={c ? { background: shade(c.value) } : undefined} data-testid={`heat-${n}-${lr}`}>
                    {c ? (
                      <>
                        {c.value.toFixed(3)} <span className="small">({c.step})</span>
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Every trial's evaluations over steps, overlaid; stopped trials end where halving stopped them. */
export function CurvesChart({ d }: { d: SweepDetail }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const byStep = new Map<number, Record<string, number>>();
  for (const r of d.trialRows) for (const p of r.curve ?? []) byStep.set(p.step, { ...(byStep.get(p.step) ?? { step: p.step }), [r.id]: p.value });
  const data = [...byStep.values()].sort((a, b) => a.step! - b.step!);
  const shown = d.trialRows.filter((r) => (r.curve ?? []).length > 0);
  return (
    <figure className="chart" ref={ref} data-testid="sweep-curves" data-trials={shown.length}>
      <figcaption>
        {d.metric} of every trial over steps <span className="muted small">(rungs end at {d.plan.rungs.join(' / ')})</span>
      </figcaption>
      {data.length === 0 ? (
        <p className="muted chart-empty">No evaluations yet</p>
      ) : (
        <LineChart width={Math.max(240, width - 8)} height={240} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={[0, 'dataMax']} stroke="var(--muted)" fontSize={11} />
          <YAxis stroke="var(--muted)" fontSize={11} width={56} domain={['auto', 'auto']} />
          <Tooltip contentStyle={tooltipStyle} />
          {shown.map((r, i) => (
            <Line key={r.id} type="linear" dataKey={r.id} name={r.id} stroke={PALETTE[i % PALETTE.length]} strokeOpacity={r.status === 'stopped' ? 0.45 : 1} dot={{ r: 2 }} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      )}
    </figure>
  );
}
