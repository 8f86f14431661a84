import { HubDownloads } from '../components/HubDownloads';
import { ModelPicker } from '../components/ModelPicker';

export function ModelsScreen() {
  return (
    <div className="screen" data-testid="screen-models">
      <h1>Models</h1>
      <p className="muted">
        The built-in model, folders you added, and models in the Hugging Face cache. Each is read from its config.json and safetensors headers: ready to use, or the reason it cannot be.
      </p>
      <ModelPicker manage />
      <HubDownloads />
    </div>
  );
}
