import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ValidationReportDTO } from '../../shared/api';
import { useWidth } from './common';

function LengthHistogram({ hist }: { hist: { from: number; to: number; count: number }[] }) {
  const [ref, width] = useWidth<HTMLDivElement>(480);
  const data = hist.map((h) => ({ range: `${h.from}–${h.to}`, count: h.count }));
  return (
    <div ref={ref} className="chart" data-testid="length-histogram" data-bins={hist.length}>
      <BarChart width={Math.max(200, Math.min(width, 720))} height={180} data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
        <XAxis dataKey="range" stroke="var(--muted)" fontSize={10} />
        <YAxis stroke="var(--muted)" fontSize={11} width={40} allowDecimals={false} />
        <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' }} />
        <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
      </BarChart>
    </div>
  );
}

/** datasets.validate's report: problems by kind with line numbers and hints, labels, lengths. */
export function ValidationReport({ report }: { report: ValidationReportDTO }) {
  const t = report.train;
  const maxLabel = Math.max(1, ...(t.labelDistribution ?? []).map((l) => l.count));
  return (
    <section className="card report" data-testid="validation-report" data-ok={report.ok} aria-label="Validation report">
      <h3>
        Validation report{' '}
        {report.ok ? (
          <span className="badge badge-ok" data-testid="report-status">
            ready
          </span>
        ) : (
          <span className="badge badge-bad" data-testid="report-status">
            {report.errors} error{report.errors === 1 ? '' : 's'}
          </span>
        )}
      </h3>
      <dl className="kv">
        <dt>File</dt>
        <dd>
          <code>{t.file}</code> ({t.format})
        </dd>
        <dt>Rows / examples</dt>
        <dd data-testid="report-examples">
          {t.rows} rows, {t.examples} usable examples
        </dd>
        <dt>Errors / warnings</dt>
        <dd>
          {report.errors} / {report.warnings}
        </dd>
        {t.duplicateRows > 0 && (
          <>
            <dt>Duplicate rows</dt>
            <dd>{t.duplicateRows}</dd>
          </>
        )}
        {report.validation && (
          <>
            <dt>Validation file</dt>
            <dd>
              {report.validation.examples} examples{report.validation.overlapWithTrain > 0 ? `, ${report.validation.overlapWithTrain} also in training` : ''}
            </dd>
          </>
        )}
      </dl>
      {report.problems.length > 0 && (
        <div className="problems" data-testid="report-problems">
          <h4>Problems</h4>
          {report.problems.map((g) => (
            <details key={`${g.severity}-${g.kind}`} open={g.severity === 'error'} className={`problem-group ${g.severity}`} data-testid="problem-group" data-kind={g.kind}>
              <summary>
                <span className={`badge ${g.severity === 'error' ? 'badge-bad' : 'badge-warn'}`}>{g.severity}</span> {g.kind} × {g.count}
                {g.count > g.shown.length && <span className="muted"> (first {g.shown.length} shown)</span>}
              </summary>
              <ul>
                {g.shown.map((p, i) => (
                  <li key={i} data-testid="problem">
                    {p.location.line !== undefined && (
                      <span className="line-no" data-testid="problem-line">
                        line {p.location.line}
                      </span>
                    )}
                    {p.location.field && <code className="small"> {p.location.field}</code>} {p.message}
                    {p.hint && <div className="muted small">Hint: {p.hint}</div>}
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </div>
      )}
      {t.labelDistribution && t.labelDistribution.length > 0 && (
        <div data-testid="label-distribution">
          <h4>Labels</h4>
          <table className="table compact">
            <tbody>
              {t.labelDistribution.map((l) => (
                <tr key={l.label}>
                  <th scope="row">{l.label}</th>
                  <td className="num">{l.count}</td>
                  <td className="bar-cell">
                    <div className="hbar" style={{ width: `${(l.count / maxLabel) * 100}%` }} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {t.lengths && (
        <div data-testid="token-lengths">
          <h4>Tokens per example</h4>
          <p className="small">
            min {t.lengths.min} · median {t.lengths.p50} · p95 {t.lengths.p95} · max {t.lengths.max}
            {t.lengths.maxLength !== undefined && (
              <>
                {' '}
                · <span data-testid="truncated-count">{t.lengths.truncated ?? 0} truncated</span> at max length {t.lengths.maxLength}
              </>
            )}
          </p>
          {t.lengths.histogram.length > 0 && <LengthHistogram hist={t.lengths.histogram} />}
        </div>
      )}
    </section>
  );
}
