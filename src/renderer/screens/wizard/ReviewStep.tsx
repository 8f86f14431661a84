import { useState } from 'react';
import { validateJob } from '../../../shared/job';
import { slug } from '../../../shared/slug';
import { useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { tuneCommand } from '../../lib/cli';
import { useSettings, useSweepDraft, useWizard } from '../../stores';


/** Downloads a text file from the renderer (no Node). */
export function download(name: string, text: string, type = 'application/json') {
  if (typeof URL.createObjectURL !== 'function') return;
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function ReviewStep() {
  const stores = useStores();
  const job = useWizard((s) => s.job);
  const name = useWizard((s) => s.name);
  const model = useWizard((s) => s.model);
  const report = useWizard((s) => s.report.data);
  const launch = useWizard((s) => s.launch);
  const runsDir = useSettings((s) => s.settings.data?.runsDir ?? s.info.data?.paths.runs ?? 'runs');
  const [copied, setCopied] = useState<string | null>(null);
  const sweepOn = useSweepDraft((s) => s.enabled);
  const sweepLaunch = useSweepDraft((s) => s.launch);
  const errors = validateJob(job);
  const named = name.trim() ? { ...job, name: name.trim() } : job;
  const out = `${runsDir.replace(/[\\/]+$/, '')}/${slug(name || (model?.name ?? 'run'))}`;
  const command = tuneCommand(job, out);
  const t = job.training;
  const task = job.task;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('Copied');
    } catch {
      setCopied('Could not copy: select the command and copy it');
    }
  };
  const doLaunch = async () => {
    if (sweepOn) {
      const sid = await stores.sweepDraft.getState().launchSweep(job, name);
      if (sid) {
        void stores.sweeps.getState().loadList();
        stores.ui.getState().go({ name: 'sweep', id: sid });
      }
      return;
    }
    const id = await stores.wizard.getState().launchJob();
    if (id) {
      void stores.runs.getState().load();
      stores.ui.getState().go({ name: 'run', id });
    }
  };

  return (
    <section data-testid="step-review">
      <h2>5. Review &amp; launch</h2>
      <label className="field">
        <span>Run name (optional)</span>
        <input type="text" value={name} onChange={(e) => stores.wizard.getState().setName(e.target.value)} placeholder="e.g. sentiment-v1" data-testid="run-name-input" />
      </label>
      <dl className="kv card" data-testid="review-summary">
        <dt>Model</dt>
        <dd>
          {model?.name ?? job.model.path} <code className="small">{job.model.path}</code>
        </dd>
        <dt>Data</dt>
        <dd>
          <code>{job.data.train}</code>
          {job.data.validation ? (
            <>
              {' '}
              · validation <code>{job.data.validation}</code>
            </>
          ) : (
            ` · ${Math.round(job.data.validationFraction * 100)}% held out for validation`
          )}
          {report && ` · ${report.train.examples} examples`}
        </dd>
        <dt>Task</dt>
        <dd>
          {task.kind}
          {task.kind === 'classification' && (
            <>
              {' '}
              · <code>{JSON.stringify(task.inputTemplate)}</code> → {(task.labels ?? []).join(' / ') || task.labelColumn}
            </>
          )}
          {task.kind === 'generation' && (
            <>
              {' '}
              · <code>{JSON.stringify(task.inputTemplate)}</code> → <code>{JSON.stringify(task.outputTemplate)}</code>
            </>
          )}
          {task.kind === 'lm' && <> · column {task.textColumn}</>}
        </dd>
        <dt>Prompt</dt>
        <dd>
          {job.prompt.numVirtualTokens} virtual tokens, {job.prompt.init} initialisation
        </dd>
        <dt>Training</dt>
        <dd>
          lr {t.learningRate} · {t.steps !== undefined ? `${t.steps} steps` : `${t.epochs} epochs`} · batch {t.batchSize}
          {t.gradAccum > 1 ? ` × ${t.gradAccum}` : ''} · max length {t.maxLength} · eval every {t.evalEvery} · seed {t.seed}
        </dd>
        <dt>Device</dt>
        <dd>{job.device}</dd>
      </dl>
      {errors.length > 0 && (
        <div className="error-box" role="alert" data-testid="review-errors">
          <strong>Fix these before launching:</strong>
          <ul>
            {errors.map((e) => (
              <li key={e.field}>
                <code>{e.field}</code> {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="card">
        <h3>Equivalent command</h3>
        <pre className="command" data-testid="cli-command">
          {command}
        </pre>
        <div className="row wrap">
          <button type="button" className="secondary" onClick={() => download('job.json', JSON.stringify(named, null, 2) + '\n')} data-testid="save-job">
            Save job config
          </button>
          <button type="button" className="secondary" onClick={() => void copy()} data-testid="copy-command">
            Copy sps tune command
          </button>
          {copied && (
            <span className="muted small" role="status">
              {copied}
            </span>
          )}
        </div>
      </div>
      <div className="row launch-row">
        <button type="button" className="primary big" onClick={() => void doLaunch()} disabled={errors.length > 0 || launch.status === 'loading' || sweepLaunch.status === 'loading'} data-testid="launch">
          {launch.status === 'loading' || sweepLaunch.status === 'loading' ? 'Launching…' : sweepOn ? 'Launch sweep' : 'Launch'}
        </button>
        {launch.status === 'loading' && <Loading label="Creating and starting the run…" testId="launch-loading" />}
      </div>
      {launch.status === 'error' && launch.error && <ErrorBox error={launch.error} title="Could not launch" testId="launch-error" />}
      {sweepOn && sweepLaunch.status === 'error' && sweepLaunch.error && <ErrorBox error={sweepLaunch.error} title="Could not launch the sweep" testId="launch-error" />}
    </section>
  );
}
