import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { useWidth } from './common';

export interface SeriesSpec {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
}

/** A line chart over steps that sizes itself to its container. */
export function StepChart({ title, data, series, reference, testId, height = 220, logY }: { title: string; data: Record<string, number | undefined>[]; series: SeriesSpec[]; reference?: { y: number; label: string }; testId: string; height?: number; logY?: boolean }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  return (
    <figure className="chart" ref={ref} data-testid={testId} data-points={data.length} aria-label={`${title} chart, ${data.length} points`}>
      <figcaption>{title}</figcaption>
      {data.length === 0 ? (
        <p className="muted chart-empty">No data yet</p>
      ) : (
        <LineChart width={Math.max(200, width - 8)} height={height} data={data} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} stroke="var(--muted)" fontSize={11} />
          <YAxis stroke="var(--muted)" fontSize={11} width={56} scale={logY ? 'log' : 'auto'} domain={['auto', 'auto']} allowDataOverflow={false} />
          <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' }} />
          {series.length > 1 && <Legend />}
          {series.map((s) => (
            <Line key={s.key} type="monotone" dataKey={s.key} name={s.name} stroke={s.color} strokeDasharray={s.dashed ? '4 3' : undefined} dot={false} isAnimationActive={false} connectNulls />
          ))}
          {reference && Number.isFinite(reference.y) && <ReferenceLine y={reference.y} stroke="var(--warn)" strokeDasharray="6 3" label={{ value: reference.label, fill: 'var(--muted)', fontSize: 11, position: 'insideTopRight' }} />}
        </LineChart>
      )}
      {reference && Number.isFinite(reference.y) && (
        <p className="muted chart-note" data-testid={`${testId}-baseline`}>
          {reference.label}: {reference.y.toFixed(4)}
        </p>
      )}
    </figure>
  );
}
