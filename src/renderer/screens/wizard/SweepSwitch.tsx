import type { JobConfig } from '../../../shared/job';
import type { SweepPlan } from '../../../shared/sweep_state';
import { useStores } from '../../api/context';
import { ErrorBox, Loading, useDebounced } from '../../components/common';
import { estimate } from '../../lib/estimates';
import { formatDuration } from '../../lib/format';
import { useSweepDraft, useWizard } from '../../stores';
import { draftConfig } from '../../stores/sweep_draft';

const SWEEP_INITS = [
  { value: 'random', label: 'Random' },
  { value: 'vocab', label: 'Vocabulary' },
  { value: 'labels', label: 'Class labels' },
] as const;

/**
 * The sweep's total time before launch: the planned steps of each trial at its own prompt
 * length, at the single-run estimate's tokens/s (rough, like the run estimate).
 */
export function sweepSeconds(plan: SweepPlan, job: JobConfig, perRun: (job: JobConfig) => number | undefined): number | undefined {
  const full = job.training.steps ?? 0;
  if (full <= 0) return undefined;
  // Each trial's share of the planned steps, weighted by what one of its full runs costs.
  const perTrial = plan.trials.map((t) => perRun({ ...job, prompt: { ...job.prompt, numVirtualTokens: t.settings.numVirtualTokens }, training: { ...job.training, batchSize: t.settings.batchSize } }));
  if (perTrial.some((s) => s === undefined)) return undefined;
  const meanFull = perTrial.reduce((a, s) => a! + s!, 0)! / perTrial.length;
  return (meanFull / full) * plan.plannedSteps;
}

/** The "sweep" switch on the prompt & training step: lengths, rates and inits become lists. */
export function SweepSwitch() {
  const stores = useStores();
  const d = useSweepDraft((s) => s);
  const job = useWizard((s) => s.job);
  const model = useWizard((s) => s.model);
  const report = useWizard((s) => s.report.data);
  const { errors } = draftConfig(d, job);
  const set = stores.sweepDraft.getState().set;
  useDebounced(() => {
    if (d.enabled) void stores.sweepDraft.getState().loadPlan(stores.wizard.getState().job);
  }, [d.enabled, d.tokens, d.learningRates, d.inits.join(), d.halving, d.eta, job], 300);
  const plan = d.plan.data;
  const seconds = plan ? sweepSeconds(plan, job, (j) => estimate(j, model, report)?.seconds) : undefined;
  return (
    <fieldset className="card sweep-switch" data-testid="sweep-switch">
      <legend>Sweep</legend>
      <label className="radio">
        <input type="checkbox" checked={d.enabled} onChange={(e) => set({ enabled: e.target.checked })} data-testid="sweep-enabled" />
        Try several prompt lengths, learning rates and initialisations (one run per combination, weak ones stopped early)
      </label>
      {d.enabled && (
        <>
          <div className="grid2">
            <label className="field">
              <span>Prompt lengths (virtual tokens)</span>
              <input type="text" value={d.tokens} onChange={(e) => set({ tokens: e.target.value })} data-testid="sweep-tokens" aria-invalid={errors.tokens ? true : undefined} />
              {errors.tokens && <span className="field-error">{errors.tokens}</span>}
            </label>
            <label className="field">
              <span>Learning rates</span>
              <input type="text" value={d.learningRates} onChange={(e) => set({ learningRates: e.target.value })} data-testid="sweep-lrs" aria-invalid={errors.learningRates ? true : undefined} />
              {errors.learningRates && <span className="field-error">{errors.learningRates}</span>}
            </label>
          </div>
          <div className="field">
            <span className="label">Initialisations</span>
            <div className="row wrap">
              {SWEEP_INITS.map((i) => {
                const disabled = i.value === 'labels' && job.task.kind !== 'classification';
                return (
                  <label key={i.value} className="radio">
                    <input
                      type="checkbox"
                      checked={d.inits.includes(i.value)}
                      disabled={disabled}
                      onChange={(e) => set({ inits: e.target.checked ? [...d.inits, i.value] : d.inits.filter((x) => x !== i.value) })}
                      data-testid={`sweep-init-${i.value}`}
                    />
                    {i.label}
                  </label>
                );
              })}
            </div>
            {errors.inits && <span className="field-error">{errors.inits}</span>}
          </div>
          <label className="radio">
            <input type="checkbox" checked={d.halving} onChange={(e) => set({ halving: e.target.checked })} data-testid="sweep-halving" />
            Successive halving: every trial gets a short budget first, the best third continues
          </label>
          {errors.steps && <div className="field-error">{errors.steps}</div>}
          <div className="muted small" data-testid="sweep-plan" aria-live="polite">
            {d.plan.status === 'loading' && <Loading label="Planning…" />}
            {plan && (
              <>
                {plan.trials.length} trials; rungs end at {plan.rungs.join(' / ')} steps; {plan.plannedSteps} steps in all ({Math.round((plan.plannedSteps / plan.fullGridSteps) * 100)}% of the full grid's {plan.fullGridSteps})
                {seconds !== undefined && (
                  <>
                    {' '}
                    · total time ~<span data-testid="sweep-estimate-time">{formatDuration(seconds)}</span> (estimate)
                  </>
                )}
              </>
            )}
          </div>
          {d.plan.status === 'error' && d.plan.error && <ErrorBox error={d.plan.error} title="The sweep cannot be planned" testId="sweep-plan-error" />}
        </>
      )}
    </fieldset>
  );
}
