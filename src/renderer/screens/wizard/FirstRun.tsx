import { useEffect, useState } from 'react';
import { useStores } from '../../api/context';
import { ErrorBox } from '../../components/common';
import { useModels, useRuns, useSettings, useWizard } from '../../stores';

/**
 * The first-run offer, shown at the top of the model step while the user has no runs and no
 * models of their own and has not chosen a model yet: the built-in model on the bundled sentiment sample, prefilled through
 * the wizard, tuning in seconds.
 */
export function FirstRun() {
  const stores = useStores();
  const sample = useSettings((s) => s.info.data?.sample);
  const models = useModels((s) => s.list);
  const runs = useRuns((s) => s.list);
  const adding = useModels((s) => s.adding);
  const chosen = useWizard((s) => s.job.model.path);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (stores.runs.getState().list.status === 'idle') void stores.runs.getState().load();
  }, [stores]);

  // Offered until a model is chosen (the sample itself, or the user's own).
  if (!sample || chosen || runs.status !== 'ready' || !models.data) return null;
  const ownModels = models.data.filter((m) => m.path !== sample.modelPath);
  if ((runs.data ?? []).length > 0 || ownModels.length > 0) return null;

  const trySample = async () => {
    setBusy(true);
    try {
      const model = await stores.models.getState().add(sample.modelPath);
      if (model) await stores.wizard.getState().trySample(model, sample);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card first-run" data-testid="first-run">
      <h2>Welcome to Soft Prompt Studio</h2>
      <p>
        New here? Try the sample: the built-in <strong>{sample.modelName}</strong> model (a tiny Llama trained on children&apos;s stories) learns to tell happy stories from sad ones
        on the bundled sentiment dataset. Every step is filled in for you and training takes a few seconds on a CPU.
      </p>
      <div className="row">
        <button type="button" onClick={() => void trySample()} disabled={busy} data-testid="try-sample">
          {busy ? 'Preparing the sample…' : 'Try the sample'}
        </button>
        <span className="muted small">or choose your own model below.</span>
      </div>
      {adding.status === 'error' && adding.error && <ErrorBox error={adding.error} title="Could not use the built-in model" testId="try-sample-error" />}
    </div>
  );
}
