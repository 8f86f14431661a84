import { ModelPicker } from '../components/ModelPicker';

export function ModelsScreen() {
  return (
    <div className="screen" data-testid="screen-models">
      <h1>Models</h1>
      <p className="muted">Local model folders the app knows about. Nothing is downloaded.</p>
      <ModelPicker manage />
    </div>
  );
}
