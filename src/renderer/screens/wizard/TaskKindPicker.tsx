import type { TaskKind } from '../../../shared/job';
import { useStores } from '../../api/context';
import { useWizard } from '../../stores';

const KINDS: { kind: TaskKind; label: string; help: string }[] = [
  { kind: 'classification', label: 'Classification', help: 'pick one label per example (e.g. happy / sad)' },
  { kind: 'generation', label: 'Generation', help: 'write an output for each input' },
  { kind: 'lm', label: 'Language modelling', help: 'learn a style or domain from plain text' },
];

export function TaskKindPicker() {
  const stores = useStores();
  const kind = useWizard((s) => s.job.task.kind);
  return (
    <fieldset className="task-kind">
      <legend>Task</legend>
      <div className="row wrap">
        {KINDS.map((k) => (
          <label key={k.kind} className="radio card-radio">
            <input type="radio" name="task-kind" value={k.kind} checked={kind === k.kind} onChange={() => stores.wizard.getState().setTaskKind(k.kind)} data-testid={`task-${k.kind}`} />
            <span>
              <strong>{k.label}</strong>
              <span className="muted small block">{k.help}</span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
