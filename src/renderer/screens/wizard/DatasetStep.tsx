import { useEffect, useState } from 'react';
import type { TaskConfig } from '../../../shared/job';
import { usePlatform, useStores } from '../../api/context';
import { ErrorBox, Loading, NumberField } from '../../components/common';
import { ValidationReport } from '../../components/ValidationReport';
import { VirtualTable } from '../../components/VirtualTable';
import { useWizard } from '../../stores';
import { fieldErrors, templateColumn } from '../../stores/wizard';
import { TaskKindPicker } from './TaskKindPicker';
import { ValidationProgress } from './ValidationProgress';

function ColumnSelect({ label, value, columns, onChange, testId }: { label: string; value: string | undefined; columns: string[]; onChange: (c: string) => void; testId: string }) {
  const custom = value === undefined;
  return (
    <label className="field">
      <span>{label}</span>
      <select value={custom ? '' : value} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
        {custom && <option value="">(custom template — edit it in the Task step)</option>}
        {value !== undefined && !columns.includes(value) && <option value={value}>{value} (not in the file)</option>}
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Column mapping per task: which column is the text, the label, the input, the output. */
export function ColumnMapping({ columns }: { columns: string[] }) {
  const stores = useStores();
  const task = useWizard((s) => s.job.task);
  const textMode = useWizard((s) => s.job.data.textMode);
  const format = useWizard((s) => s.preview.data?.format);
  const set = (t: TaskConfig) => {
    stores.wizard.getState().setTask(t);
    void stores.wizard.getState().validate();
  };
  return (
    <div className="row wrap mapping" data-testid="column-mapping">
      {task.kind === 'classification' && (
        <>
          <ColumnSelect label="Text column" value={templateColumn(task.inputTemplate)} columns={columns} onChange={(c) => set({ ...task, inputTemplate: `{${c}}` })} testId="map-text" />
          <ColumnSelect
            label="Label column"
            value={task.labelColumn}
            columns={columns}
            onChange={(c) => {
              const { labels: _l, verbalizers: _v, ...rest } = task;
              set({ ...rest, labelColumn: c });
            }}
            testId="map-label"
          />
        </>
      )}
      {task.kind === 'generation' && (
        <>
          <ColumnSelect label="Input column" value={templateColumn(task.inputTemplate)} columns={columns} onChange={(c) => set({ ...task, inputTemplate: `{${c}}` })} testId="map-input" />
          <ColumnSelect label="Output column" value={templateColumn(task.outputTemplate)} columns={columns} onChange={(c) => set({ ...task, outputTemplate: `{${c}}` })} testId="map-output" />
        </>
      )}
      {task.kind === 'lm' && <ColumnSelect label="Text column" value={task.textColumn} columns={columns} onChange={(c) => set({ ...task, textColumn: c })} testId="map-text-column" />}
      {format === 'text' && (
        <label className="field">
          <span>Plain text</span>
          <select
            value={textMode ?? 'lines'}
            onChange={(e) => {
              stores.wizard.getState().patch((j) => ({ ...j, data: { ...j.data, textMode: e.target.value as 'lines' | 'chunks' } }));
              void stores.wizard.getState().validate();
            }}
            data-testid="text-mode"
          >
            <option value="lines">one example per line</option>
            <option value="chunks">the whole file, in chunks</option>
          </select>
        </label>
      )}
    </div>
  );
}

function Split() {
  const stores = useStores();
  const data = useWizard((s) => s.job.data);
  const job = useWizard((s) => s.job);
  const errors = fieldErrors(job);
  const platform = usePlatform();
  const [useFile, setUseFile] = useState(data.validation !== undefined);
  const [valPath, setValPath] = useState(data.validation ?? '');
  return (
    <fieldset className="card split" data-testid="split">
      <legend>Validation data</legend>
      <div className="row wrap">
        <label className="radio">
          <input
            type="radio"
            name="split"
            checked={!useFile}
            onChange={() => {
              setUseFile(false);
              stores.wizard.getState().setValidationFile(undefined);
            }}
            data-testid="split-fraction"
          />
          Split off part of the training file
        </label>
        <label className="radio">
          <input type="radio" name="split" checked={useFile} onChange={() => setUseFile(true)} data-testid="split-file" />
          Use a separate validation file
        </label>
      </div>
      {!useFile ? (
        <NumberField
          label="Validation fraction (0–0.9)"
          value={data.validationFraction}
          error={errors['data.validationFraction']}
          onChange={(v) => stores.wizard.getState().patch((j) => ({ ...j, data: { ...j.data, validationFraction: v as number } }))}
          testId="field-validation-fraction"
          hint="A seeded random share of the rows, held out to measure the prompt."
        />
      ) : (
        <div className="row wrap">
          <label className="field grow">
            <span>Validation file path</span>
            <input
              type="text"
              value={valPath}
              onChange={(e) => setValPath(e.target.value)}
              onBlur={() => stores.wizard.getState().setValidationFile(valPath.trim() || undefined)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  stores.wizard.getState().setValidationFile(valPath.trim() || undefined);
                }
              }}
              data-testid="validation-path-input"
            />
          </label>
          {platform.openDataset && (
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                const p = await platform.openDataset!();
                if (p) {
                  setValPath(p);
                  stores.wizard.getState().setValidationFile(p);
                }
              }}
            >
              Choose…
            </button>
          )}
        </div>
      )}
    </fieldset>
  );
}

export function DatasetStep() {
  const stores = useStores();
  const platform = usePlatform();
  const train = useWizard((s) => s.job.data.train);
  const preview = useWizard((s) => s.preview);
  const report = useWizard((s) => s.report);
  const task = useWizard((s) => s.job.task);
  const [path, setPath] = useState(train);
  useEffect(() => setPath(train), [train]);

  const load = (p: string) => void stores.wizard.getState().setDataset(p.trim());
  const mapped = new Set<string>();
  if (task.kind === 'classification') {
    const c = templateColumn(task.inputTemplate);
    if (c) mapped.add(c);
    mapped.add(task.labelColumn);
  } else if (task.kind === 'generation') {
    for (const t of [task.inputTemplate, task.outputTemplate]) for (const m of t.matchAll(/\{([^{}]+)\}/g)) mapped.add(m[1]!);
  } else mapped.add(task.textColumn);

  return (
    <section data-testid="step-dataset">
      <h2>2. Add your data</h2>
      <div className="dropzone-hint" data-testid="dataset-dropzone">
        Drop a CSV, TSV, JSONL, JSON, Parquet or TXT file <strong>anywhere on this window</strong>, or:
      </div>
      <div className="row wrap">
        {platform.openDataset && (
          <button
            type="button"
            onClick={async () => {
              const p = await platform.openDataset!();
              if (p) load(p);
            }}
            data-testid="dataset-choose"
          >
            Choose file…
          </button>
        )}
        <label className="field grow">
          <span>Dataset path</span>
          <input
            type="text"
            value={path}
            placeholder="/path/to/data.csv"
            onChange={(e) => setPath(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                load(path);
              }
            }}
            data-testid="dataset-path-input"
          />
        </label>
        <button type="button" onClick={() => load(path)} disabled={!path.trim() || preview.status === 'loading'} data-testid="dataset-load">
          Load
        </button>
      </div>
      {preview.status === 'loading' && <Loading label="Reading the dataset…" testId="dataset-loading" />}
      {preview.status === 'error' && preview.error && <ErrorBox error={preview.error} title="Could not read the dataset" testId="dataset-error" />}
      {preview.status === 'ready' && preview.data && (
        <>
          <p className="muted small" data-testid="dataset-summary">
            {preview.data.format.toUpperCase()} · {preview.data.columns.length} columns · {preview.data.rows.length} rows shown
          </p>
          <VirtualTable columns={preview.data.columns} rows={preview.data.rows} highlight={mapped} />
          <TaskKindPicker />
          <ColumnMapping columns={preview.data.columns} />
          <Split />
          <div className="row">
            <button type="button" className="secondary" onClick={() => void stores.wizard.getState().validate()} disabled={report.status === 'loading'} data-testid="dataset-validate">
              Validate again
            </button>
          </div>
          {report.status === 'loading' && <ValidationProgress />}
          {report.status === 'error' && report.error && <ErrorBox error={report.error} title="Validation failed" testId="validate-error" />}
          {report.data && <ValidationReport report={report.data} />}
        </>
      )}
    </section>
  );
}
