import { useState } from 'react';
import type { RunDetail } from '../../../shared/api';
import { formatMetric, generationScope } from '../../lib/format';
import type { LiveRun } from '../../stores/monitor';
import { ExportDialog } from './ExportDialog';
import { NearestTokens } from './NearestTokens';
import { Playground } from './Playground';
import { ConfusionMatrix } from './ConfusionMatrix';
import { Predictions } from './Predictions';
import { MetricsTable } from './MetricsTable';

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
          {bestEval && generationScope(bestEval.metrics) && ` (${generationScope(bestEval.metrics)})`}
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
