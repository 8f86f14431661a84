import { useState } from 'react';
import { useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { useResults } from '../../stores';
import type { RunResults } from '../../stores/results';
import { EMPTY_RESULTS } from './empty_results';

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
export function Playground({ id, classification, sample }: { id: string; classification: boolean; sample: string }) {
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
