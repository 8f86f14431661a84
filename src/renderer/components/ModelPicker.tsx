import { useEffect, useState } from 'react';
import type { ModelEntry } from '../../shared/api';
import { usePlatform, useStores } from '../api/context';
import { formatBytes, formatCount } from '../lib/format';
import { useModels } from '../stores';
import { Empty, ErrorBox, Loading } from './common';

const SOURCE_LABEL: Record<NonNullable<ModelEntry['source']>, string> = { builtin: 'built-in', added: 'added folder', 'hf-cache': 'Hugging Face cache' };

function RemoveButton({ m, onRemove }: { m: ModelEntry; onRemove: (m: ModelEntry, deleteFiles: boolean) => void }) {
  const [confirming, setConfirming] = useState(false);
  if (m.source === 'builtin') return null;
  if (m.source !== 'hf-cache') {
    return (
      <button type="button" className="link" onClick={() => onRemove(m, false)} aria-label={`Remove ${m.name}`}>
        Remove
      </button>
    );
  }
  // A cache snapshot is removed by deleting its files, which Python tools share: ask first.
  return confirming ? (
    <span className="row">
      <button type="button" className="danger" onClick={() => onRemove(m, true)} aria-label={`Delete the files of ${m.name}`} data-testid="model-delete-confirm">
        Delete files
      </button>
      <button type="button" className="link" onClick={() => setConfirming(false)}>
        Keep
      </button>
    </span>
  ) : (
    <button type="button" className="link" onClick={() => setConfirming(true)} aria-label={`Remove ${m.name}`} title="Deletes this snapshot from the Hugging Face cache">
      Remove…
    </button>
  );
}

function ModelRow({ m, selectable, selected, onSelect, onRemove }: { m: ModelEntry; selectable: boolean; selected: boolean; onSelect?: (m: ModelEntry) => void; onRemove?: (m: ModelEntry, deleteFiles: boolean) => void }) {
  const id = `model-${m.id}`;
  return (
    <tr data-testid="model-row" data-model-id={m.id} data-supported={m.supported} data-source={m.source} className={selected ? 'selected' : undefined}>
      {selectable && (
        <td>
          <input type="radio" name="model" id={id} checked={selected} disabled={!m.supported} onChange={() => onSelect?.(m)} aria-label={`Use ${m.name}`} />
        </td>
      )}
      <td>
        <label htmlFor={selectable ? id : undefined} className="model-name">
          {m.name}
        </label>
        {m.source && <span className="badge small">{SOURCE_LABEL[m.source]}</span>}
        <div className="muted small" title={m.path}>
          {m.path}
        </div>
      </td>
      <td>
        {m.architecture ?? m.modelType}
        {m.architecture && m.architecture !== m.modelType && <div className="muted small">{m.modelType}</div>}
      </td>
      <td>
        {formatCount(m.parameters)} params
        <div className="muted small">{m.dtype ?? '—'}</div>
      </td>
      <td>{m.contextLength ?? '—'}</td>
      <td>{formatBytes(m.sizeBytes)}</td>
      <td>
        {m.supported ? (
          <span className="badge badge-ok">ready</span>
        ) : (
          <span className="badge badge-bad" data-testid="model-unsupported">
            cannot be used: {m.reason ?? 'unknown reason'}
          </span>
        )}
      </td>
      {onRemove && (
        <td>
          <RemoveButton m={m} onRemove={onRemove} />
        </td>
      )}
    </tr>
  );
}

/** The model list (models.list) with add-by-folder, and optionally a selection. */
export function ModelPicker({ selectedPath, onSelect, manage }: { selectedPath?: string; onSelect?: (m: ModelEntry) => void; manage?: boolean }) {
  const stores = useStores();
  const platform = usePlatform();
  const list = useModels((s) => s.list);
  const adding = useModels((s) => s.adding);
  const inspected = useModels((s) => s.inspected);
  const [path, setPath] = useState('');

  useEffect(() => {
    if (stores.models.getState().list.status === 'idle') void stores.models.getState().load();
  }, [stores]);

  const add = async (p: string) => {
    if (!p.trim()) return;
    const m = await stores.models.getState().add(p.trim());
    if (m) {
      setPath('');
      if (m.supported) onSelect?.(m);
    }
  };
  const browse = async () => {
    const p = await platform.openModelFolder?.();
    if (p) await add(p);
  };

  return (
    <section className="model-picker" aria-label="Models">
      <div className="row wrap add-model">
        {platform.openModelFolder && (
          <button type="button" onClick={() => void browse()} data-testid="add-model-folder" disabled={adding.status === 'loading'}>
            Add folder…
          </button>
        )}
        <label className="grow inline-field">
          <span>{platform.openModelFolder ? 'or the folder path' : 'Model folder path'}</span>
          <input
            type="text"
            value={path}
            placeholder="/path/to/model (config.json, *.safetensors, tokenizer.json)"
            onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void add(path);
              }
            }}
            data-testid="model-path-input"
          />
        </label>
        <button type="button" onClick={() => void add(path)} disabled={!path.trim() || adding.status === 'loading'} data-testid="model-add">
          Add model
        </button>
        <button type="button" className="secondary" onClick={() => void stores.models.getState().inspect(path.trim())} disabled={!path.trim() || inspected.status === 'loading'} data-testid="model-inspect">
          Inspect
        </button>
      </div>
      <p className="muted small">You can also drop a model folder anywhere on this window.</p>
      {adding.status === 'loading' && <Loading label="Reading the model folder…" testId="model-adding" />}
      {adding.status === 'error' && adding.error && <ErrorBox error={adding.error} title="Could not add the model" testId="model-add-error" />}
      {inspected.status === 'loading' && <Loading label="Inspecting…" />}
      {inspected.status === 'error' && inspected.error && <ErrorBox error={inspected.error} title="Could not inspect the folder" testId="model-inspect-error" />}
      {inspected.status === 'ready' && inspected.data && (
        <div className="card small" data-testid="model-inspect-result">
          <strong>{inspected.data.name}</strong> · {inspected.data.modelType} · hidden {inspected.data.hiddenSize ?? '—'} · {inspected.data.numLayers ?? '—'} layers · vocab {inspected.data.vocabSize ?? '—'} · context {inspected.data.contextLength ?? '—'} ·{' '}
          {inspected.data.architecture ? `${inspected.data.architecture} · ` : ''}{inspected.data.dtype ? `${inspected.data.dtype} · ` : ''}{inspected.data.supported ? 'ready' : `cannot be used: ${inspected.data.reason ?? ''}`}
        </div>
      )}
      {list.status === 'loading' && !list.data && <Loading label="Loading models…" testId="models-loading" />}
      {list.status === 'error' && list.error && (
        <>
          <ErrorBox error={list.error} title="Could not list the models" testId="models-error" />
          <button type="button" className="secondary" onClick={() => void stores.models.getState().load()} data-testid="models-retry">
            Try again
          </button>
        </>
      )}
      {list.data && list.data.length === 0 && (
        <Empty title="No models yet" testId="models-empty">
          <p>Add a Hugging Face model folder (with config.json, the .safetensors weights and tokenizer.json), or download one from the Hugging Face Hub on the Models screen. Small models such as stories260K train in minutes on a CPU.</p>
        </Empty>
      )}
      {list.data && list.data.length > 0 && (
        <table className="table" data-testid="models-table">
          <thead>
            <tr>
              {onSelect && <th scope="col">Use</th>}
              <th scope="col">Model</th>
              <th scope="col">Architecture</th>
              <th scope="col">Parameters</th>
              <th scope="col">Context</th>
              <th scope="col">Disk</th>
              <th scope="col">Status</th>
              {manage && <th scope="col" />}
            </tr>
          </thead>
          <tbody>
            {list.data.map((m) => (
              <ModelRow key={m.id} m={m} selectable={!!onSelect} selected={m.path === selectedPath} onSelect={onSelect} onRemove={manage ? (x, deleteFiles) => void stores.models.getState().remove(x.id, deleteFiles) : undefined} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
