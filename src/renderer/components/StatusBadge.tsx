import type { RunStatus } from '../../shared/training_events';

export function StatusBadge({ status, queued }: { status: RunStatus | undefined; queued?: boolean }) {
  const s = status ?? 'created';
  const label = queued && (s === 'created' || s === 'running') ? 'queued' : s;
  return (
    <span className={`badge status-${s}`} data-testid="status-badge" data-status={s}>
      {label}
    </span>
  );
}
