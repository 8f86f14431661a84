import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import type { SerializedError } from '../../shared/training_events';
import { bareMessage } from '../lib/errors';

/** The engine's error as it sent it: message, where, and what to do. */
export function ErrorBox({ error, title, testId = 'error' }: { error: SerializedError; title?: string; testId?: string }) {
  const loc = error.location;
  const where = loc ? [loc.file, loc.line !== undefined ? `line ${loc.line}` : undefined, loc.field].filter(Boolean).join(' · ') : '';
  return (
    <div className="error-box" role="alert" data-testid={testId} data-code={error.code}>
      {title && <strong className="error-title">{title}</strong>}
      <p className="error-message">{bareMessage(error)}</p>
      {where && (
        <p className="error-location" data-testid={`${testId}-location`}>
          <span className="muted">Where: </span>
          <code>{where}</code>
        </p>
      )}
      {error.hint && (
        <p className="error-hint" data-testid={`${testId}-hint`}>
          <span className="muted">Hint: </span>
          {error.hint}
        </p>
      )}
    </div>
  );
}

export function Loading({ label, testId = 'loading' }: { label: string; testId?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}

export function Empty({ title, children, testId = 'empty' }: { title: string; children?: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function ProgressBar({ value, max, label, testId = 'progress' }: { value: number; max: number; label: string; testId?: string }) {
  const pct = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} data-testid={testId}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

/** A labelled input row with its validation message (from validateJob). */
export function Field({ label, error, hint, children, testId }: { label: string; error?: string; hint?: ReactNode; children: (id: string, describedBy: string | undefined) => ReactNode; testId?: string }) {
  const id = useId();
  const errId = `${id}-err`;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`} data-testid={testId}>
      <label htmlFor={id}>{label}</label>
      {children(id, error ? errId : undefined)}
      {hint && !error && <div className="field-hint">{hint}</div>}
      {error && (
        <div className="field-error" id={errId} role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </div>
      )}
    </div>
  );
}

/** A number input that keeps what the user typed and reports NaN/undefined for validateJob to judge. */
export function NumberField({ label, value, onChange, error, hint, testId, step = 'any', disabled }: { label: string; value: number | undefined; onChange: (v: number | undefined) => void; error?: string; hint?: ReactNode; testId: string; step?: string; disabled?: boolean }) {
  const [text, setText] = useState(value === undefined || Number.isNaN(value) ? '' : String(value));
  const last = useRef(value);
  useEffect(() => {
    if (value !== last.current && !(Number.isNaN(value) && Number.isNaN(last.current))) {
      last.current = value;
      if (Number(text) !== value) setText(value === undefined || Number.isNaN(value) ? '' : String(value));
    }
  }, [value, text]);
  return (
    <Field label={label} error={error} hint={hint} testId={testId}>
      {(id, describedBy) => (
        <input
          id={id}
          type="text"
          inputMode="decimal"
          data-step={step}
          value={text}
          disabled={disabled}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          data-testid={`${testId}-input`}
          onChange={(e) => {
            const t = e.target.value;
            setText(t);
            const v = t.trim() === '' ? undefined : Number(t);
            last.current = v;
            onChange(v);
          }}
        />
      )}
    </Field>
  );
}

/** The width of an element, for charts (falls back to a fixed width where layout is unavailable). */
export function useWidth<T extends HTMLElement>(fallback = 560): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [w, setW] = useState(fallback);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      const cw = el.clientWidth;
      if (cw > 0) setW(cw);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

/** Calls fn `ms` after the last change of deps. */
export function useDebounced(fn: () => void, deps: unknown[], ms: number) {
  const f = useRef(fn);
  f.current = fn;
  useEffect(() => {
    const t = setTimeout(() => f.current(), ms);
    return () => clearTimeout(t);
  }, deps);
}
