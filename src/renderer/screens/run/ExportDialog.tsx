import { useEffect, useRef, useState } from 'react';
import type { ExportFormat } from '../../../shared/api';
import { usePlatform, useStores } from '../../api/context';
import { ErrorBox, Loading } from '../../components/common';
import { useResults } from '../../stores';
import { EMPTY_RESULTS } from './empty_results';

const FORMATS: { value: ExportFormat; label: string; help: string }[] = [
  { value: 'peft', label: 'PEFT adapter', help: 'adapter_config.json + adapter_model.safetensors; load with PeftModel.from_pretrained' },
  { value: 'safetensors', label: 'safetensors', help: 'one prompt_embeddings tensor' },
  { value: 'npy', label: 'NumPy (.npy)', help: 'a float32 array [virtual tokens, hidden]' },
  { value: 'json', label: 'JSON', help: 'the prompt as nested arrays' },
  { value: 'card', label: 'Prompt card', help: 'a Markdown card: model, data, settings, metrics' },
];
export function ExportDialog({ id, name, onClose }: { id: string; name: string; onClose: () => void }) {
  const stores = useStores();
  const platform = usePlatform();
  const exported = useResults((s) => (s.runs[id] ?? EMPTY_RESULTS).exported);
  const [format, setFormat] = useState<ExportFormat>('peft');
  const [checkpoint, setCheckpoint] = useState<'best' | 'final'>('best');
  const [out, setOut] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, button')?.focus();
    stores.results.getState().resetExport(id);
  }, [id, stores]);
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="export-title" data-testid="export-dialog" ref={ref} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <h2 id="export-title">Export the prompt</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void stores.results.getState().exportRun(id, format, checkpoint, out.trim() || undefined);
          }}
        >
          <fieldset>
            <legend>Format</legend>
            {FORMATS.map((f) => (
              <label key={f.value} className="radio block">
                <input type="radio" name="format" value={f.value} checked={format === f.value} onChange={() => setFormat(f.value)} data-testid={`export-format-${f.value}`} />
                <strong>{f.label}</strong> <span className="muted small">{f.help}</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Checkpoint</legend>
            <label className="radio">
              <input type="radio" name="checkpoint" checked={checkpoint === 'best'} onChange={() => setCheckpoint('best')} data-testid="export-best" />
              best
            </label>
            <label className="radio">
              <input type="radio" name="checkpoint" checked={checkpoint === 'final'} onChange={() => setCheckpoint('final')} data-testid="export-final" />
              final
            </label>
          </fieldset>
          <div className="row wrap">
            <label className="field grow">
              <span>Output folder or file (optional; default: inside the run folder)</span>
              <input type="text" value={out} onChange={(e) => setOut(e.target.value)} data-testid="export-out" />
            </label>
            {platform.saveExportPath && (
              <button
                type="button"
                className="secondary"
                onClick={async () => {
                  const p = await platform.saveExportPath!(`${name}-${format}`);
                  if (p) setOut(p);
                }}
              >
                Choose…
              </button>
            )}
          </div>
          <div className="row">
            <button type="submit" disabled={exported.status === 'loading'} data-testid="export-submit">
              Export
            </button>
            <button type="button" className="secondary" onClick={onClose} data-testid="export-close">
              Close
            </button>
          </div>
        </form>
        {exported.status === 'loading' && <Loading label="Writing the files…" testId="export-loading" />}
        {exported.error && <ErrorBox error={exported.error} title="Export failed" testId="export-error" />}
        {exported.data && (
          <div className="card" data-testid="export-result" role="status">
            <p>
              Written to <code data-testid="export-path">{exported.data.path}</code>
            </p>
            <ul className="small" data-testid="export-files">
              {exported.data.files.map((f) => (
                <li key={f}>
                  <code>{f}</code>
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
