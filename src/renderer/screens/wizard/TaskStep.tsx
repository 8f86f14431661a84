import { useRef } from 'react';
import type { TaskConfig } from '../../../shared/job';
import { useStores } from '../../api/context';
import { ErrorBox, Field, Loading, useDebounced } from '../../components/common';
import { useWizard } from '../../stores';
import { fieldErrors } from '../../stores/wizard';
import { TaskKindPicker } from './TaskKindPicker';

type TemplateKey = 'inputTemplate' | 'outputTemplate';

function TemplateEditor({ label, value, onChange, columns, error, testId }: { label: string; value: string; onChange: (v: string) => void; columns: string[]; error?: string; testId: string }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const insert = (col: string) => {
    const el = ref.current;
    const chip = `{${col}}`;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + chip + value.slice(end));
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(start + chip.length, start + chip.length);
    });
  };
  return (
    <Field label={label} error={error} testId={testId} hint="Use {column} to insert a column's value; \n is a new line.">
      {(id, describedBy) => (
        <>
          <div className="chips" role="group" aria-label={`Insert a column into ${label}`}>
            {columns.map((c) => (
              <button type="button" key={c} className="chip" onClick={() => insert(c)} data-testid={`${testId}-chip-${c}`}>
                {`{${c}}`}
              </button>
            ))}
          </div>
          <textarea
            id={id}
            ref={ref}
            rows={3}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
            data-testid={`${testId}-input`}
            spellCheck={false}
          />
        </>
      )}
    </Field>
  );
}

function Verbalizers({ task, labels }: { task: Extract<TaskConfig, { kind: 'classification' }>; labels: string[] }) {
  const stores = useStores();
  if (labels.length === 0) return <p className="muted">The labels appear here once the dataset is validated.</p>;
  const verb = task.verbalizers ?? {};
  const set = (label: string, v: string) => stores.wizard.getState().setTask({ ...task, labels: task.labels ?? labels, verbalizers: { ...Object.fromEntries(labels.map((l) => [l, verb[l] ?? ` ${l}`])), [label]: v } });
  return (
    <table className="table compact" data-testid="verbalizers">
      <caption>Label verbalizers: the text the model should produce for each label. The defaults follow the model's tokenizer (a leading space for GPT-2-style tokenizers, none where the tokenizer marks word starts itself).</caption>
      <thead>
        <tr>
          <th scope="col">Label</th>
          <th scope="col">Verbalizer</th>
        </tr>
      </thead>
      <tbody>
        {labels.map((l) => (
          <tr key={l}>
            <th scope="row">{l}</th>
            <td>
              <input type="text" aria-label={`Verbalizer for ${l}`} value={verb[l] ?? ` ${l}`} onChange={(e) => set(l, e.target.value)} data-testid={`verbalizer-${l}`} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TokenPreview() {
  const template = useWizard((s) => s.template);
  const modelPath = useWizard((s) => s.job.model.path);
  if (!modelPath) return <p className="muted">Choose a model to see how the template is tokenized.</p>;
  return (
    <section className="card" data-testid="template-preview" aria-live="polite">
      <h3>
        Preview <span className="legend-input">input</span> <span className="legend-output">output</span> {template.status === 'loading' && <Loading label="Tokenizing…" testId="template-loading" />}
      </h3>
      {template.status === 'error' && template.error && <ErrorBox error={template.error} title="The template cannot be rendered" testId="template-error" />}
      {template.data?.examples.map((ex) => (
        <div key={ex.line} className="token-example" data-testid="template-example">
          <div className="muted small">
            line {ex.line} · {ex.tokens.length} tokens
          </div>
          <div className="tokens">
            {ex.tokens.map((t, i) => (
              <span key={i} className={`tok tok-${t.part}`} data-part={t.part} title={`id ${t.id}`} data-testid="token">
                {t.text.replace(/\n/g, '↵')}
              </span>
            ))}
          </div>
        </div>
      ))}
    </section>
  );
}

export function TaskStep() {
  const stores = useStores();
  const job = useWizard((s) => s.job);
  const columns = useWizard((s) => s.preview.data?.columns ?? EMPTY);
  const reportLabels = useWizard((s) => s.report.data?.labels ?? EMPTY);
  const task = job.task;
  const errors = fieldErrors(job);
  const setField = (k: TemplateKey, v: string) => stores.wizard.getState().setTask({ ...task, [k]: v } as TaskConfig);

  const key = JSON.stringify([task, job.model.path, job.data, job.training.maxLength]);
  useDebounced(() => void stores.wizard.getState().loadTemplatePreview(), [key], 350);

  return (
    <section data-testid="step-task">
      <h2>3. Describe the task</h2>
      <TaskKindPicker />
      {task.kind !== 'lm' && (
        <TemplateEditor label="Input template" value={task.inputTemplate} onChange={(v) => setField('inputTemplate', v)} columns={columns} error={errors['task.inputTemplate']} testId="input-template" />
      )}
      {task.kind === 'generation' && (
        <TemplateEditor label="Output template" value={task.outputTemplate} onChange={(v) => setField('outputTemplate', v)} columns={columns} error={errors['task.outputTemplate']} testId="output-template" />
      )}
      {task.kind !== 'lm' && (
        <label className="checkbox-field">
          <input
            type="checkbox"
            checked={task.chatTemplate === true}
            onChange={(e) => {
              const { chatTemplate: _chat, ...rest } = task;
              stores.wizard.getState().setTask(e.target.checked ? { ...rest, chatTemplate: true } : rest);
            }}
            data-testid="chat-template-toggle"
          />
          <span>
            Use the model&apos;s chat template (instruct models): the filled input template becomes the user message and the assistant&apos;s turn is opened, as{' '}
            <code>apply_chat_template</code> does. The preview below shows the exact tokens.
          </span>
        </label>
      )}
      {task.kind === 'lm' && (
        <label className="field">
          <span>Text column</span>
          <select value={task.textColumn} onChange={(e) => stores.wizard.getState().setTask({ ...task, textColumn: e.target.value })} data-testid="text-column">
            {[task.textColumn, ...columns.filter((c) => c !== task.textColumn)].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      )}
      {task.kind === 'classification' && (
        <>
          {errors['task.labels'] && (
            <div className="field-error" role="alert">
              task.labels: {errors['task.labels']}
            </div>
          )}
          <Verbalizers task={task} labels={task.labels ?? reportLabels} />
        </>
      )}
      <TokenPreview />
    </section>
  );
}

const EMPTY: string[] = [];
