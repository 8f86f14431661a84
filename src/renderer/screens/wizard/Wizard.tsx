import { useStores } from '../../api/context';
import { STEPS, stepBlocker } from '../../stores/wizard';
import { useWizard } from '../../stores';
import { DatasetStep } from './DatasetStep';
import { ModelStep } from './ModelStep';
import { ReviewStep } from './ReviewStep';
import { TaskStep } from './TaskStep';
import { TrainingStep } from './TrainingStep';

export function Wizard() {
  const stores = useStores();
  const step = useWizard((s) => s.step);
  const job = useWizard((s) => s.job);
  const model = useWizard((s) => s.model);
  const preview = useWizard((s) => s.preview);
  const report = useWizard((s) => s.report);
  const state = { job, model, preview, report };
  const blockers = STEPS.map((_, i) => stepBlocker(state, i));
  const blocker = blockers[step];
  // A step can be opened when every step before it is complete.
  const reachable = (i: number) => blockers.slice(0, i).every((b) => b === undefined);
  const last = step === STEPS.length - 1;

  const next = () => {
    if (blocker || last) return;
    stores.wizard.getState().setStep(step + 1);
  };

  return (
    <div className="screen wizard" data-testid="screen-wizard">
      <h1>New tuning</h1>
      <ol className="stepper" aria-label="Steps">
        {STEPS.map((label, i) => (
          <li key={label} className={i === step ? 'current' : blockers[i] === undefined && i < step ? 'done' : undefined}>
            <button type="button" data-testid={`wizard-step-${i + 1}`} aria-current={i === step ? 'step' : undefined} disabled={i !== step && !reachable(i)} onClick={() => stores.wizard.getState().setStep(i)}>
              <span className="step-num" aria-hidden="true">
                {i + 1}
              </span>
              {label}
            </button>
          </li>
        ))}
      </ol>
      <form
        className="wizard-body"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          next();
        }}
        aria-label={STEPS[step]}
      >
        {step === 0 && <ModelStep />}
        {step === 1 && <DatasetStep />}
        {step === 2 && <TaskStep />}
        {step === 3 && <TrainingStep />}
        {step === 4 && <ReviewStep />}
        <div className="wizard-footer">
          <button type="button" className="secondary" onClick={() => stores.wizard.getState().setStep(step - 1)} disabled={step === 0} data-testid="wizard-back">
            Back
          </button>
          {!last && (
            <>
              {blocker && (
                <span className="next-reason" id="next-reason" data-testid="next-reason" role="status">
                  {blocker}
                </span>
              )}
              <button type="submit" disabled={blocker !== undefined} aria-describedby={blocker ? 'next-reason' : undefined} data-testid="wizard-next">
                Next
              </button>
            </>
          )}
        </div>
      </form>
    </div>
  );
}
