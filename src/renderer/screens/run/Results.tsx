import { useEffect, useRef, useState } from 'react';
import type { ExportFormat, RunDetail } from '../../../shared/api';
import type { Metrics } from '../../../shared/training_events';
import { usePlatform, useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { formatMetric } from '../../lib/format';
import { useResults } from '../../stores';
import type { LiveRun } from '../../stores/monitor';
import type { RunResults } from '../../stores/results';

const EMPTY_RESULTS: RunResults = {
  nearest: { status: 'idle' },
  predictions: { status: 'idle' },
  classify: { status: 'idle' },
  streams: { with: { text: '', status: 'idle' }, without: { text: '', status: 'idle' } },
  exported: { status: 'idle' },
};

export function ConfusionMatrix({ matrix, labels }: { matrix: number[][]; labels: string[] }) {
  const max = Math.max(1, ...matrix.flat());
  return (
    <table className="table confusion" data-testid="confusion-matrix">
      <caption>Confusion matrix (rows: true label, columns: predicted)</caption>
      <thead>
        <tr>
          <th scope="col">true \ predicted</th>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {matrix.map((row, i) => (
          <tr key={i}>
            <th scope="row">{labels[i] ?? i}</th>
            {row.map((v, j) => (
              <td key={j} className={`num ${i === j ? 'diag' : 'off'}`} style={{ ['--heat' as string]: String(v / max) }} data-testid={`cm-${i}-${j}`}>
                {v}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MetricsTable({ final, best, baseline }: { final?: Metrics; best?: Metrics; baseline?: Metrics }) {
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

function NearestTokens({ id }: { id: string }) {
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

/** Every validation example with the model's answer, mistakes first. */
function Predictions({ id, classification }: { id: string; classification: boolean }) {
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

function StreamBox({ title, stream, testId }: { title: string; stream: RunResults['streams']['with']; testId: string }) {
  return (
    <div className="stream" data-testid={testId} data-status={stream.status}>
      <h3>
        {title} {(stream.status === 'starting' || stream.status === 'streaming') && <span className="spinner" role="status" aria-label="generating" />}
        {stream.status === 'stopped' && <span className="muted small">(stopped)</span>}
      </h3>
      <pre className="stream-text" data-testid={`${testId}-text`}>
        {stream.text}
      </pre>
      {stream.error && <ErrorBox error={stream.error} testId={`${testId}-error`} />}
    </div>
  );
}

function Playground({ id, classification, sample }: { id: string; classification: boolean; sample: string }) {
  const stores = useStores();
  const r = useResults((s) => s.runs[id] ?? EMPTY_RESULTS);
  const [text, setText] = useState(sample);
  const [maxNew, setMaxNew] = useState(32);
  const [classifyText, setClassifyText] = useState(sample);
  const running = ['starting', 'streaming'].includes(r.streams.with.status) || ['starting', 'streaming'].includes(r.streams.without.status);
  return (
    <section className="card" data-testid="playground">
      <h2>Playground</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void stores.results.getState().generate(id, { text, maxNewTokens: maxNew });
        }}
      >
        <label className="field">
          <span>Input</span>
          <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} data-testid="playground-input" />
        </label>
        <div className="row wrap">
          <label className="inline-field">
            <span>Max new tokens</span>
            <input type="number" min={1} max={2048} value={maxNew} onChange={(e) => setMaxNew(Math.max(1, Number(e.target.value) || 1))} data-testid="playground-max-tokens" />
          </label>
          <button type="submit" disabled={running || !text.trim()} data-testid="playground-generate">
            Generate
          </button>
          <button type="button" className="secondary" disabled={!running} onClick={() => void stores.results.getState().stop(id)} data-testid="playground-stop">
            Stop
          </button>
        </div>
      </form>
      <div className="side-by-side">
        <StreamBox title="With the prompt" stream={r.streams.with} testId="stream-with" />
        <StreamBox title="Without the prompt" stream={r.streams.without} testId="stream-without" />
      </div>
      {classification && (
        <form
          className="classify"
          onSubmit={(e) => {
            e.preventDefault();
            if (classifyText.trim()) void stores.results.getState().classify(id, classifyText);
          }}
        >
          <h3>Classify</h3>
          <label className="field">
            <span>Text to classify</span>
            <input type="text" value={classifyText} onChange={(e) => setClassifyText(e.target.value)} data-testid="classify-input" />
          </label>
          <button type="submit" disabled={r.classify.status === 'loading' || !classifyText.trim()} data-testid="classify-submit">
            Classify
          </button>
          {r.classify.status === 'loading' && <Loading label="Scoring the labels…" />}
          {r.classify.error && <ErrorBox error={r.classify.error} testId="classify-error" />}
          {r.classify.data && (
            <div data-testid="classify-result">
              <p>
                Prediction: <strong data-testid="classify-prediction">{r.classify.data.prediction}</strong>
              </p>
              <ul className="small">
                {Object.entries(r.classify.data.scores).map(([l, s]) => (
                  <li key={l}>
                    {l}: {s.toFixed(4)}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </form>
      )}
    </section>
  );
}

const FORMATS: { value: ExportFormat; label: string; help: string }[] = [
  { value: 'peft', label: 'PEFT adapter', help: 'adapter_config.json + adapter_model.safetensors; load with PeftModel.from_pretrained' },
  { value: 'safetensors', label: 'safetensors', help: 'one prompt_embeddings tensor' },
  { value: 'npy', label: 'NumPy (.npy)', help: 'a float32 array [virtual tokens, hidden]' },
  { value: 'json', label: 'JSON', help: 'the prompt as nested arrays' },
  { value: 'card', label: 'Prompt card', help: 'a Markdown card: model, data, settings, metrics' },
];

export function ExportDialog({ id, name, onClose }: { id: string; name: string; onClose: () => void }) {
  const stores = useStores();
  const platform = usePlatform();
  const exported = useResults((s) => (s.runs[id] ?? EMPTY_RESULTS).exported);
  const [format, setFormat] = useState<ExportFormat>('peft');
  const [checkpoint, setCheckpoint] = useState<'best' | 'final'>('best');
  const [out, setOut] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, button')?.focus();
    stores.results.getState().resetExport(id);
  }, [id, stores]);
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" ref={ref} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2 id="export-title">Export the prompt</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void stores.results.getState().exportRun(id, format, checkpoint, out.trim() || undefined);
          }}
        >
          <fieldset>
            <legend>Format</legend>
            {FORMATS.map((f) => (
              <label key={f.value} className="radio block">
                <input type="radio" name="format" value={f.value} checked={format === f.value} onChange={() => setFormat(f.value)} data-testid={`export-format-${f.value}`} />
                <strong>{f.label}</strong> <span className="muted small">{f.help}</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Checkpoint</legend>
            <label className="radio">
              <input type="radio" name="checkpoint" checked={checkpoint === 'best'} onChange={() => setCheckpoint('best')} data-testid="export-best" />
              best
            </label>
            <label className="radio">
              <input type="radio" name="checkpoint" checked={checkpoint === 'final'} onChange={() => setCheckpoint('final')} data-testid="export-final" />
              final
            </label>
          </fieldset>
          <div className="row wrap">
            <label className="field grow">
              <span>Output folder or file (optional; default: inside the run folder)</span>
              <input type="text" value={out} onChange={(e) => setOut(e.target.value)} data-testid="export-out" />
            </label>
            {platform.saveExportPath && (
              <button
                type="button"
                className="secondary"
                onClick={async () => {
                  const p = await platform.saveExportPath!(`${name}-${format}`);
                  if (p) setOut(p);
                }}
              >
                Choose…
              </button>
            )}
          </div>
          <div className="row">
            <button type="submit" disabled={exported.status === 'loading'} data-testid="export-submit">
              Export
            </button>
            <button type="button" className="secondary" onClick={onClose} data-testid="export-close">
              Close
            </button>
          </div>
        </form>
        {exported.status === 'loading' && <Loading label="Writing the files…" testId="export-loading" />}
        {exported.error && <ErrorBox error={exported.error} title="Export failed" testId="export-error" />}
        {exported.data && (
          <div className="card" data-testid="export-result" role="status">
            <p>
              Written to <code data-testid="export-path">{exported.data.path}</code>
            </p>
            <ul className="small" data-testid="export-files">
              {exported.data.files.map((f) => (
                <li key={f}>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}

export function Results({ id, detail, live, metric }: { id: string; detail: RunDetail; live: LiveRun; metric: string }) {
  const [exporting, setExporting] = useState(false);
  const bestEval = [...live.evals].reverse().find((e) => e.best) ?? live.evals.at(-1);
  const lastEval = live.evals.at(-1);
  const cm = bestEval?.metrics.confusion_matrix;
  const labels = bestEval?.metrics.labels;
  const classification = detail.task === 'classification';
  return (
    <div className="results" data-testid="results">
      <section className="card">
        <div className="row wrap spread">
          <h2>Results</h2>
          <button type="button" className="primary" onClick={() => setExporting(true)} data-testid="export-open">
            Export…
          </button>
        </div>
        <p className="small">
          Best {metric}: <strong>{formatMetric(bestEval?.metrics[metric])}</strong>
          {bestEval && ` at step ${bestEval.step}`}
        </p>
        <MetricsTable baseline={live.baseline} best={bestEval?.metrics} final={lastEval?.metrics} />
        {classification && Array.isArray(cm) && Array.isArray(labels) && <ConfusionMatrix matrix={cm as number[][]} labels={labels as string[]} />}
      </section>
      <Predictions id={id} classification={classification} />
      <NearestTokens id={id} />
      <Playground id={id} classification={classification} sample="" />
      {exporting && <ExportDialog id={id} name={detail.name ?? detail.id} onClose={() => setExporting(false)} />}
    </div>
  );
}
