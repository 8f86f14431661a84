import { useStores } from '../../api/context';
import { Loading, ProgressBar } from '../../components/common';
import { formatBytes, formatCount, formatDuration } from '../../lib/format';
import { useWizard } from '../../stores';

/**
 * The running validation of the wizard's dataset: which file and phase (reading its rows,
 * then tokenizing them into the token cache), a progress bar with the ETA, and Cancel.
 */
export function ValidationProgress() {
  const stores = useStores();
  const progress = useWizard((s) => s.validation?.progress);
  const which = progress?.which === 'validation' ? 'validation file' : 'training file';
  const text = !progress
    ? 'Validating the dataset…'
    : progress.phase === 'reading'
      ? `Reading the ${which}: ${formatBytes(progress.done)} of ${formatBytes(progress.total)}`
      : `Tokenizing the ${which}: ${formatCount(progress.done)} of ${formatCount(progress.total)} examples`;
  return (
    <div className="row wrap" data-testid="validate-progress">
      {progress ? (
        <>
          <span data-testid="validate-progress-text">
            {text}
            {progress.etaSeconds >= 0 && progress.done < progress.total ? ` · about ${formatDuration(progress.etaSeconds)} left` : ''}
          </span>
          <ProgressBar value={progress.done} max={progress.total} label="Validation progress" testId="validate-progress-bar" />
        </>
      ) : (
        <Loading label={text} testId="validate-loading" />
      )}
      <button type="button" className="secondary" onClick={() => void stores.wizard.getState().cancelValidation()} data-testid="validate-cancel">
        Cancel
      </button>
    </div>
  );
}
