import { useStores } from '../../api/context';
import { ModelPicker } from '../../components/ModelPicker';
import { useWizard } from '../../stores';
import { FirstRun } from './FirstRun';

export function ModelStep() {
  const stores = useStores();
  const path = useWizard((s) => s.job.model.path);
  return (
    <section data-testid="step-model">
      <FirstRun />
      <h2>1. Choose a model</h2>
      <p className="muted">A local Hugging Face folder. The prompt is tuned for this model only; the model itself is never changed.</p>
      <ModelPicker selectedPath={path} onSelect={(m) => stores.wizard.getState().selectModel(m)} />
    </section>
  );
}
