import { useEffect } from 'react';
import type { DeviceKind, InitKind, JobConfig, PrecisionKind, ScheduleKind } from '../../../shared/job';
import { defaultMetric } from '../../../shared/job';
import { offeredProviders } from '../../../shared/devices';
import { useStores } from '../../api/context';
import { ErrorBox, Loading, NumberField } from '../../components/common';
import type { TrainStrategy } from '../../../shared/memory_estimate';
import { estimate } from '../../lib/estimates';
import { formatBytes, formatDuration } from '../../lib/format';
import { useRuns, useSettings, useWizard } from '../../stores';
import { fieldErrors } from '../../stores/wizard';
import { SweepSwitch } from './SweepSwitch';

const METRICS: Record<JobConfig['task']['kind'], string[]> = {
  classification: ['accuracy', 'macro_f1', 'val_loss'],
  generation: ['val_loss', 'exact_match', 'token_f1'],
  lm: ['val_loss', 'perplexity'],
};

const INITS: { value: InitKind; label: string; help: string }[] = [
  { value: 'random', label: 'Random', help: 'uniform in [-0.5, 0.5]' },
  { value: 'vocab', label: 'Vocabulary', help: 'rows of random vocabulary tokens' },
  { value: 'text', label: 'Text', help: 'the embedding of a phrase describing the task' },
  { value: 'labels', label: 'Class labels', help: 'the label words (classification)' },
  { value: 'file', label: 'An earlier run', help: "start from another run's prompt" },
];

function Estimates({ job }: { job: JobConfig }) {
  const model = useWizard((s) => s.model);
  const report = useWizard((s) => s.report.data);
  const memory = useSettings((s) => s.info.data?.memory);
  const e = estimate(job, model, report, memory);
  if (!e) return null;
  return (
    <section className="card estimates" data-testid="estimates" aria-label="Estimates">
      <h3>
        Estimates <span className="muted small">(rough, before launch)</span>
      </h3>
      <dl className="kv">
        <dt>Memory (estimate)</dt>
        <dd data-testid="estimate-memory">
          ~{formatBytes(e.totalBytes)} <span className="muted small">= weights {formatBytes(e.weightsBytes)} + activations {formatBytes(e.activationBytes)}</span>
          {e.strategy && <span className="muted small"> · {STRATEGY_LABEL[e.strategy]}</span>}
        </dd>
        {e.fits === false && e.freeBytes !== undefined && (
          <dd className="error" role="alert" data-testid="estimate-memory-warning">
            This job needs about {formatBytes(e.totalBytes)} but only {formatBytes(e.freeBytes)} is free on the training machine: it will likely run out of memory. Lower the batch size or the maximum length, or close other programs.
          </dd>
        )}
        <dt>Time (estimate)</dt>
        <dd data-testid="estimate-time">
          ~{formatDuration(e.seconds)}{' '}
          <span className="muted small">
            {e.totalSteps} steps × {e.tokensPerStep} tokens/step ÷ ~{Math.round(e.tokensPerSecond)} tokens/s (conservative)
            {e.tokenizeSeconds > 0 ? ` + tokenizing the data ~${formatDuration(e.tokenizeSeconds)} (once; training starts after its first batches)` : ' (the data is already tokenized)'}
          </span>
        </dd>
      </dl>
    </section>
  );
}

/** How the engine will run each step (src/shared/memory_estimate.ts planTrainMemory). */
const STRATEGY_LABEL: Record<TrainStrategy, string> = {
  keep: 'whole-model step (keeps every activation)',
  'layerwise-saved': 'layer by layer, keeping the weight products (fast, memory bounded by the saved activations)',
  'layerwise-recompute': 'layer by layer, recomputing each layer (least memory: bounded by one layer)',
};

export function TrainingStep() {
  const stores = useStores();
  const job = useWizard((s) => s.job);
  const trainingBy = useWizard((s) => s.trainingBy);
  const initRunId = useWizard((s) => s.initRunId);
  const info = useSettings((s) => s.info);
  const runs = useRuns((s) => s.list);
  const errors = fieldErrors(job);
  const t = job.training;
  const w = stores.wizard.getState;
  const setT = <K extends keyof JobConfig['training']>(k: K, v: JobConfig['training'][K]) => w().patch((j) => ({ ...j, training: { ...j.training, [k]: v } }));
  const setP = <K extends keyof JobConfig['prompt']>(k: K, v: JobConfig['prompt'][K]) => w().patch((j) => ({ ...j, prompt: { ...j.prompt, [k]: v } }));

  useEffect(() => {
    if (job.prompt.init === 'file' && stores.runs.getState().list.status === 'idle') void stores.runs.getState().load();
  }, [job.prompt.init, stores]);

  const providers = offeredProviders(info.data?.providers ?? [{ name: 'cpu' as const, available: true }], job.device);
  const finished = (runs.data ?? []).filter((r) => r.best !== null || r.status === 'completed');

  return (
    <section data-testid="step-training">
      <h2>4. Prompt &amp; training</h2>
      <SweepSwitch />
      <fieldset className="card">
        <legend>Soft prompt</legend>
        <NumberField label="Virtual tokens" value={job.prompt.numVirtualTokens} onChange={(v) => setP('numVirtualTokens', v as number)} error={errors['prompt.numVirtualTokens']} testId="field-virtual-tokens" hint="More tokens give the prompt more capacity; 8–50 is typical, more for bigger models." />
        <div className="field">
          <span className="label">Initialisation</span>
          <div className="row wrap" role="radiogroup" aria-label="Initialisation">
            {INITS.map((i) => {
              const disabled = i.value === 'labels' && job.task.kind !== 'classification';
              return (
                <label key={i.value} className="radio" title={disabled ? 'needs a classification task' : i.help}>
                  <input
                    type="radio"
                    name="init"
                    value={i.value}
                    checked={job.prompt.init === i.value}
                    disabled={disabled}
                    onChange={() => {
                      if (i.value !== 'file') w().setInitRun(undefined);
                      setP('init', i.value);
                    }}
                    data-testid={`init-${i.value}`}
                  />
                  {i.label}
                </label>
              );
            })}
          </div>
          {errors['prompt.init'] && <div className="field-error">{errors['prompt.init']}</div>}
        </div>
        {job.prompt.init === 'text' && (
          <label className="field">
            <span>Initialisation text</span>
            <input type="text" value={job.prompt.initText ?? ''} placeholder="e.g. Classify how the child felt:" onChange={(e) => setP('initText', e.target.value)} data-testid="init-text-input" aria-invalid={errors['prompt.initText'] ? true : undefined} />
            {errors['prompt.initText'] && <span className="field-error">{errors['prompt.initText']}</span>}
          </label>
        )}
        {job.prompt.init === 'file' && (
          <div className="field">
            <label htmlFor="init-run">Start from the prompt of</label>
            {runs.status === 'loading' && <Loading label="Loading runs…" />}
            {runs.error && <ErrorBox error={runs.error} />}
            <select id="init-run" value={initRunId ?? ''} onChange={(e) => w().setInitRun(finished.find((r) => r.id === e.target.value))} data-testid="init-run-select">
              <option value="">(choose a run)</option>
              {finished.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name ?? r.id} — {r.best ? `${r.best.metric} ${r.best.value.toFixed(3)}` : r.status}
                </option>
              ))}
            </select>
            {errors['prompt.initFile'] && <span className="field-error">choose a run ({errors['prompt.initFile']})</span>}
          </div>
        )}
      </fieldset>
      <fieldset className="card">
        <legend>Training</legend>
        <div className="grid2">
          <NumberField label="Learning rate" value={t.learningRate} onChange={(v) => setT('learningRate', v as number)} error={errors['training.learningRate']} testId="field-lr" hint="Soft prompts like large rates: 0.03–0.3." />
          <div className="field">
            <span className="label">Train for</span>
            <div className="row">
              <label className="radio">
                <input type="radio" name="by" checked={trainingBy === 'steps'} onChange={() => w().setTrainingBy('steps')} data-testid="by-steps" />
                steps
              </label>
              <label className="radio">
                <input type="radio" name="by" checked={trainingBy === 'epochs'} onChange={() => w().setTrainingBy('epochs')} data-testid="by-epochs" />
                epochs
              </label>
            </div>
          </div>
          {trainingBy === 'steps' ? (
            <NumberField label="Steps" value={t.steps} onChange={(v) => setT('steps', v)} error={errors['training.steps']} testId="field-steps" />
          ) : (
            <NumberField label="Epochs" value={t.epochs} onChange={(v) => setT('epochs', v)} error={errors['training.epochs']} testId="field-epochs" />
          )}
          <NumberField label="Batch size" value={t.batchSize} onChange={(v) => setT('batchSize', v as number)} error={errors['training.batchSize']} testId="field-batch" />
          <NumberField label="Max length (tokens)" value={t.maxLength} onChange={(v) => setT('maxLength', v as number)} error={errors['training.maxLength']} testId="field-max-length" />
          <NumberField label="Evaluate every (steps)" value={t.evalEvery} onChange={(v) => setT('evalEvery', v as number)} error={errors['training.evalEvery']} testId="field-eval-every" />
          <NumberField label="Patience (evaluations, 0 = off)" value={t.patience} onChange={(v) => setT('patience', v as number)} error={errors['training.patience']} testId="field-patience" />
          <NumberField label="Seed" value={t.seed} onChange={(v) => setT('seed', v as number)} error={errors['training.seed']} testId="field-seed" />
        </div>
      </fieldset>
      <fieldset className="card">
        <legend>Device</legend>
        {info.status === 'loading' && <Loading label="Probing devices…" />}
        <div className="row wrap" role="radiogroup" aria-label="Device">
          {providers.map((p) => (
            <label key={p.name} className="radio" title={p.available ? undefined : p.reason}>
              <input type="radio" name="device" value={p.name} checked={job.device === p.name} disabled={!p.available} onChange={() => w().patch((j) => ({ ...j, device: p.name as DeviceKind }))} data-testid={`device-${p.name}`} />
              {p.name}
              {p.available && p.adapter?.name && <span className="muted small"> ({p.adapter.name})</span>}
              {!p.available && <span className="muted small"> (unavailable: {p.reason ?? 'not installed'})</span>}
            </label>
          ))}
        </div>
        {errors['job.device'] && <div className="field-error">{errors['job.device']}</div>}
        <label className="field">
          <span>Precision</span>
          <select value={job.precision ?? 'auto'} onChange={(e) => w().patch((j) => ({ ...j, precision: e.target.value as PrecisionKind }))} data-testid="field-precision">
            <option value="auto">auto (fp16 on a GPU that supports it, else fp32)</option>
            <option value="fp32">fp32</option>
            <option value="fp16">fp16 (mixed precision, GPU only)</option>
          </select>
        </label>
        {errors['job.precision'] && <div className="field-error">{errors['job.precision']}</div>}
      </fieldset>
      <details className="card advanced" data-testid="advanced">
        <summary>Advanced</summary>
        <div className="grid2">
          <NumberField label="Gradient accumulation" value={t.gradAccum} onChange={(v) => setT('gradAccum', v as number)} error={errors['training.gradAccum']} testId="field-grad-accum" />
          <NumberField label="Warmup ratio" value={t.warmupRatio} onChange={(v) => setT('warmupRatio', v as number)} error={errors['training.warmupRatio']} testId="field-warmup" />
          <label className="field">
            <span>Schedule</span>
            <select value={t.schedule} onChange={(e) => setT('schedule', e.target.value as ScheduleKind)} data-testid="field-schedule">
              <option value="constant">constant</option>
              <option value="linear">linear</option>
              <option value="cosine">cosine</option>
            </select>
          </label>
          <NumberField label="Weight decay" value={t.weightDecay} onChange={(v) => setT('weightDecay', v as number)} error={errors['training.weightDecay']} testId="field-weight-decay" />
          <NumberField label="Gradient clipping (max norm)" value={t.maxGradNorm} onChange={(v) => setT('maxGradNorm', v as number)} error={errors['training.maxGradNorm']} testId="field-clip" />
          {job.task.kind === 'generation' && (
            <NumberField
              label="Generation metrics during training on (examples; empty = all)"
              value={t.generationEvalExamples}
              onChange={(v) => setT('generationEvalExamples', v)}
              error={errors['training.generationEvalExamples']}
              testId="field-generation-eval-examples"
              hint="Exact match and token F1 need a generation per example; a cap speeds up evaluations during training. The last evaluation always uses every example."
            />
          )}
          <NumberField label="Checkpoint every (steps)" value={t.checkpointEvery} onChange={(v) => setT('checkpointEvery', v as number)} error={errors['training.checkpointEvery']} testId="field-checkpoint-every" />
          <label className="field">
            <span>Metric for the best checkpoint</span>
            <select value={t.metric ?? ''} onChange={(e) => setT('metric', e.target.value || undefined)} data-testid="field-metric">
              <option value="">default ({defaultMetric(job.task.kind).name})</option>
              {METRICS[job.task.kind].map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <label className="radio">
            <input type="checkbox" checked={t.appendEos} onChange={(e) => setT('appendEos', e.target.checked)} data-testid="field-append-eos" />
            Append the end-of-sequence token to outputs
          </label>
        </div>
      </details>
      <Estimates job={job} />
    </section>
  );
}
