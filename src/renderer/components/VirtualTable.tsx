import { useState } from 'react';

export const ROW_HEIGHT = 28;
export const VIEW_HEIGHT = 320;
const OVERSCAN = 4;

/** Rows in view from a scroll offset (pure, so it is testable without layout). */
export function visibleRange(scrollTop: number, total: number, rowHeight = ROW_HEIGHT, viewHeight = VIEW_HEIGHT, overscan = OVERSCAN): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, last];
}

/** A table that renders only the rows in view (simple fixed-height windowing). */
export function VirtualTable({ columns, rows, testId = 'preview-table', highlight }: { columns: string[]; rows: { line: number; fields: Record<string, string> }[]; testId?: string; highlight?: Set<string> }) {
  const [scrollTop, setScrollTop] = useState(0);
  const [first, last] = visibleRange(scrollTop, rows.length);
  const template = `4.5rem repeat(${Math.max(1, columns.length)}, minmax(8rem, 1fr))`;
  return (
    <div className="vtable" role="table" aria-label="Dataset preview" aria-rowcount={rows.length + 1} data-testid={testId} data-rows={rows.length}>
      <div className="vtable-head" role="row" style={{ gridTemplateColumns: template }}>
        <span role="columnheader">line</span>
        {columns.map((c) => (
          <span role="columnheader" key={c} className={highlight?.has(c) ? 'mapped' : undefined}>
            {c}
          </span>
        ))}
      </div>
      <div className="vtable-body" style={{ height: VIEW_HEIGHT }} tabIndex={0} aria-label="Preview rows (scroll)" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
          {rows.slice(first, last).map((r, i) => (
            <div
              role="row"
              aria-rowindex={first + i + 2}
              key={first + i}
              className="vtable-row"
              data-testid="preview-row"
              style={{ position: 'absolute', top: (first + i) * ROW_HEIGHT, height: ROW_HEIGHT, left: 0, right: 0, gridTemplateColumns: template }}
            >
              <span role="cell" className="muted">
                {r.line}
              </span>
              {columns.map((c) => (
                <span role="cell" key={c} title={r.fields[c]}>
                  {r.fields[c] ?? <em className="muted">missing</em>}
                </span>
              ))}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
