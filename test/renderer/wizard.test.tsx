// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetPreview, ValidationReportDTO } from '../../src/shared/api';
import { BAD_MODEL, MODEL, SYSTEM_INFO, dropOnWindow, fakeApi, renderApp, summary, type FakeApi } from './fake_api';

afterEach(cleanup);

const PREVIEW: DatasetPreview = {
  path: '/d/sentiment.csv',
  format: 'csv',
  columns: ['text', 'label'],
  rows: Array.from({ length: 200 }, (_, i) => ({ line: i + 2, fields: { text: `Lily found her puppy ${i}.`, label: i % 2 ? 'sad' : 'happy' } })),
  bytes: 9000,
};

const OK_REPORT: ValidationReportDTO = {
  ok: true,
  errors: 0,
  warnings: 0,
  train: { file: '/d/sentiment.csv', format: 'csv', rows: 200, columns: ['text', 'label'], examples: 200, duplicateRows: 0, labelDistribution: [{ label: 'happy', count: 100 }, { label: 'sad', count: 100 }], lengths: { count: 200, min: 25, max: 40, mean: 30, p50: 30, p95: 38, histogram: [{ from: 25, to: 30, count: 120 }, { from: 30, to: 40, count: 80 }], maxLength: 256, truncated: 0 } },
  labels: ['happy', 'sad'],
  problems: [],
};

const BAD_REPORT: ValidationReportDTO = {
  ...OK_REPORT,
  ok: false,
  errors: 2,
  warnings: 1,
  problems: [
    { kind: 'missing_field', severity: 'error', count: 2, shown: [
      { kind: 'missing_field', severity: 'error', message: 'the row has no "label"', location: { file: '/d/sentiment.csv', line: 17, field: 'label' }, hint: 'fill in the label or remove the row' },
      { kind: 'missing_field', severity: 'error', message: 'the row has no "label"', location: { file: '/d/sentiment.csv', line: 42, field: 'label' } },
    ] },
    { kind: 'duplicate', severity: 'warning', count: 1, shown: [{ kind: 'duplicate', severity: 'warning', message: 'same as line 3', location: { line: 9 } }] },
  ],
};

function api(over: Partial<Parameters<typeof fakeApi>[0]> = {}): FakeApi {
  return fakeApi({
    'models.list': () => [MODEL, BAD_MODEL],
    'datasets.preview': () => PREVIEW,
    'datasets.validate': () => OK_REPORT,
    'datasets.templatePreview': () => ({ examples: [{ line: 2, input: 'Lily found her puppy. The child felt', output: ' happy', tokens: [{ id: 10, text: 'Lily', part: 'input' }, { id: 11, text: ' felt', part: 'input' }, { id: 12, text: ' happy', part: 'output' }] }] }),
    'jobs.create': () => summary({ id: 'r9', status: 'created' }),
    'jobs.start': () => summary({ id: 'r9', status: 'running' }),
    'jobs.get': () => { throw new Error('not needed'); },
    ...over,
  });
}

const next = () => screen.getByTestId('wizard-next') as HTMLButtonElement;

async function pickModel() {
  const rows = await screen.findAllByTestId('model-row');
  const good = rows.find((r) => r.getAttribute('data-model-id') === 'm1')!;
  fireEvent.click(within(good).getByRole('radio'));
}

async function loadDataset(path = '/d/sentiment.csv') {
  fireEvent.change(screen.getByTestId('dataset-path-input'), { target: { value: path } });
  fireEvent.click(screen.getByTestId('dataset-load'));
  await screen.findByTestId('validation-report');
}

describe('wizard', () => {
  it('keeps Next disabled with a reason until a supported model is chosen', async () => {
    renderApp(api());
    expect(next().disabled).toBe(true);
    expect(screen.getByTestId('next-reason').textContent).toMatch(/Choose a model/);
    const rows = await screen.findAllByTestId('model-row');
    expect(rows).toHaveLength(2);
    expect(screen.getByTestId('model-unsupported').textContent).toMatch(/bert/);
    const bad = rows.find((r) => r.getAttribute('data-model-id') === 'm2')!;
    expect((within(bad).getByRole('radio') as HTMLInputElement).disabled).toBe(true);
    await pickModel();
    expect(next().disabled).toBe(false);
    expect(screen.queryByTestId('next-reason')).toBeNull();
    fireEvent.click(next());
    expect(screen.getByTestId('step-dataset')).toBeTruthy();
  });

  it('shows the model list error with its hint, and the empty state', async () => {
    const a = api({ 'models.list': () => { throw new (class extends Error { error = { code: 'FILE_UNREADABLE', message: 'cannot read models.json', location: { file: '/data/models.json' }, hint: 'check the permissions' }; })(); } });
    renderApp(a);
    const err = await screen.findByTestId('models-error');
    expect(err.textContent).toMatch(/cannot read models.json/);
    expect(screen.getByTestId('models-error-hint').textContent).toMatch(/check the permissions/);
    expect(screen.getByTestId('models-error-location').textContent).toMatch(/models.json/);
    cleanup();
    renderApp(api({ 'models.list': () => [] }));
    expect((await screen.findByTestId('models-empty')).textContent).toMatch(/No models yet/);
  });

  it('adds a model folder by path (web mode)', async () => {
    const a = api({ 'models.list': () => [], 'models.add': (req) => ({ ...MODEL, path: req.path }) });
    renderApp(a);
    await screen.findByTestId('models-empty');
    fireEvent.change(screen.getByTestId('model-path-input'), { target: { value: '/models/new' } });
    fireEvent.click(screen.getByTestId('model-add'));
    await waitFor(() => expect(next().disabled).toBe(false));
    expect(a.callsOf('models.add')).toEqual([{ path: '/models/new' }]);
  });

  it('previews a dataset with a windowed table and maps columns', async () => {
    const a = api();
    renderApp(a);
    await pickModel();
    fireEvent.click(next());
    expect(screen.getByTestId('next-reason').textContent).toMatch(/Choose a dataset/);
    await loadDataset();
    expect(a.callsOf('datasets.preview')[0]).toEqual({ path: '/d/sentiment.csv', limit: 1000 });
    const table = screen.getByTestId('preview-table');
    expect(table.getAttribute('data-rows')).toBe('200');
    // only the visible rows (plus overscan) are in the DOM
    expect(screen.getAllByTestId('preview-row').length).toBeLessThan(30);
    expect((screen.getByTestId('map-text') as HTMLSelectElement).value).toBe('text');
    expect((screen.getByTestId('map-label') as HTMLSelectElement).value).toBe('label');
    expect(screen.getByTestId('label-distribution').textContent).toMatch(/happy/);
    expect(screen.getByTestId('length-histogram').getAttribute('data-bins')).toBe('2');
    expect(screen.getByTestId('truncated-count').textContent).toMatch(/0 truncated/);
    const job = a.callsOf('datasets.validate').at(-1)!.job;
    expect(job.task).toMatchObject({ kind: 'classification', inputTemplate: '{text}', labelColumn: 'label' });
    await waitFor(() => expect(next().disabled).toBe(false));
  });

  it('a long validation shows its progress (phase, counts, ETA) and Cancel stops it', async () => {
    let fail: (e: unknown) => void = () => undefined;
    const a = api({
      'datasets.validate': () => new Promise((_resolve, reject) => (fail = reject)),
      'datasets.cancelValidate': () => {
        fail(Object.assign(new Error('validation was cancelled'), { error: { code: 'CANCELLED', message: 'validation was cancelled', hint: 'what was tokenized so far is kept in the token cache' } }));
        return { ok: true };
      },
    });
    renderApp(a);
    await pickModel();
    fireEvent.click(next());
    fireEvent.change(screen.getByTestId('dataset-path-input'), { target: { value: '/d/sentiment.csv' } });
    fireEvent.click(screen.getByTestId('dataset-load'));
    await screen.findByTestId('validate-progress');
    await waitFor(() => expect(a.callsOf('datasets.validate')).toHaveLength(1));
    const validationId = a.callsOf('datasets.validate')[0]!.validationId!;
    expect(validationId).toBeTruthy();
    // Progress of another validation is not ours.
    act(() => a.emit('datasets.validateProgress', { validationId: 'other', phase: 'reading', which: 'train', done: 1, total: 2, etaSeconds: 1 }));
    expect(screen.queryByTestId('validate-progress-bar')).toBeNull();
    act(() => a.emit('datasets.validateProgress', { validationId, phase: 'tokenizing', which: 'train', done: 250_000, total: 1_000_000, etaSeconds: 90 }));
    expect(screen.getByTestId('validate-progress-text').textContent).toBe('Tokenizing the training file: 250.0K of 1.0M examples · about 1m 30s left');
    expect(screen.getByTestId('validate-progress-bar').getAttribute('aria-valuenow')).toBe('250000');
    fireEvent.click(screen.getByTestId('validate-cancel'));
    await waitFor(() => expect(a.callsOf('datasets.cancelValidate')).toEqual([{ validationId }]));
    expect((await screen.findByTestId('validate-error')).textContent).toMatch(/cancelled/);
    expect(screen.queryByTestId('validate-progress')).toBeNull();
  });

  it('shows validation problems with line numbers and blocks Next', async () => {
    renderApp(api({ 'datasets.validate': () => BAD_REPORT }));
    await pickModel();
    fireEvent.click(next());
    await loadDataset();
    const lines = screen.getAllByTestId('problem-line').map((e) => e.textContent);
    expect(lines).toEqual(['line 17', 'line 42', 'line 9']);
    expect(screen.getByTestId('validation-report').textContent).toMatch(/fill in the label/);
    expect(screen.getAllByTestId('problem-group').map((g) => g.getAttribute('data-kind'))).toEqual(['missing_field', 'duplicate']);
    expect(next().disabled).toBe(true);
    expect(screen.getByTestId('next-reason').textContent).toMatch(/Fix 2 errors/);
  });

  it('shows the dataset read error with its location and hint', async () => {
    renderApp(api({ 'datasets.preview': () => { throw Object.assign(new Error('x'), { error: { code: 'INVALID_DATA', message: 'unterminated quote', location: { file: '/d/bad.csv', line: 3 }, hint: 'close the quote' } }); } }));
    await pickModel();
    fireEvent.click(next());
    fireEvent.change(screen.getByTestId('dataset-path-input'), { target: { value: '/d/bad.csv' } });
    fireEvent.click(screen.getByTestId('dataset-load'));
    const err = await screen.findByTestId('dataset-error');
    expect(err.textContent).toMatch(/unterminated quote/);
    expect(screen.getByTestId('dataset-error-location').textContent).toMatch(/line 3/);
    expect(screen.getByTestId('dataset-error-hint').textContent).toMatch(/close the quote/);
  });

  it('takes a dataset dropped anywhere on the window', async () => {
    const a = api();
    renderApp(a);
    await pickModel();
    act(() => dropOnWindow({ text: '/d/sentiment.csv' }));
    await screen.findByTestId('validation-report');
    expect(screen.getByTestId('step-dataset')).toBeTruthy();
    expect(a.callsOf('datasets.preview')[0]?.path).toBe('/d/sentiment.csv');
  });

  it('web mode uploads a dropped File (the browser has no path) and uses the saved copy', async () => {
    const a = api({ 'datasets.upload': (req) => ({ path: `/data/uploads/${req.name}`, bytes: atob(req.contentBase64).length }) });
    renderApp(a);
    await pickModel();
    act(() => dropOnWindow({ files: [new File(['text,label\nhi,happy\n'], 'data.csv')] }));
    await screen.findByTestId('validation-report');
    expect(a.callsOf('datasets.upload')).toEqual([{ name: 'data.csv', contentBase64: btoa('text,label\nhi,happy\n') }]);
    expect(a.callsOf('datasets.preview')[0]?.path).toBe('/data/uploads/data.csv');
  });

  it('uses the desktop bridge path of a dropped File', async () => {
    const a = api();
    renderApp(a, { mode: 'desktop', pathForFile: (f) => `/home/me/${f.name}` });
    await pickModel();
    act(() => dropOnWindow({ files: [new File(['a,b'], 'data.csv')] }));
    await screen.findByTestId('validation-report');
    expect(a.callsOf('datasets.preview')[0]?.path).toBe('/home/me/data.csv');
  });

  it('edits the template with column chips and shows the tokenized preview', async () => {
    const a = api();
    renderApp(a);
    await pickModel();
    fireEvent.click(next());
    await loadDataset();
    await waitFor(() => expect(next().disabled).toBe(false));
    fireEvent.click(next());
    const input = screen.getByTestId('input-template-input') as HTMLTextAreaElement;
    fireEvent.change(input, { target: { value: 'Story: ' } });
    input.setSelectionRange(7, 7);
    fireEvent.click(screen.getByTestId('input-template-chip-text'));
    expect(input.value).toBe('Story: {text}');
    fireEvent.change(input, { target: { value: 'Story: {text} The child felt' } });
    await waitFor(() => expect(screen.getAllByTestId('token')).toHaveLength(3), { timeout: 2000 });
    expect(screen.getAllByTestId('token').map((t) => t.getAttribute('data-part'))).toEqual(['input', 'input', 'output']);
    await waitFor(() => expect(a.callsOf('datasets.templatePreview').at(-1)?.job.task).toMatchObject({ inputTemplate: 'Story: {text} The child felt' }));
    expect((screen.getByTestId('verbalizer-happy') as HTMLInputElement).value).toBe(' happy');
    fireEvent.change(input, { target: { value: '' } });
    expect(screen.getByTestId('input-template-error').textContent).toMatch(/non-empty|required/);
    expect(next().disabled).toBe(true);
    expect(screen.getByTestId('next-reason').textContent).toMatch(/task.inputTemplate/);
  });

  it('warns before launch, with the number, when the job will not fit the free memory', async () => {
    // A Qwen2.5-7B-shaped model on a machine with 1.6 GB free: the engine's plan is layer-wise
    // (recomputing, the least memory) and its estimate is still above what is free.
    const big = { ...MODEL, hiddenSize: 3584, numLayers: 28, vocabSize: 152064, parameters: 7.6e9, sizeBytes: 15.2e9, memoryShape: { hiddenSize: 3584, numLayers: 28, numHeads: 28, numKvHeads: 4, headDim: 128, intermediateSize: 18944, vocabSize: 152064, tiedEmbeddings: false, storedBytesPerParam: 2, parameters: 7.6e9 } };
    const a = api({ 'models.list': () => [big, BAD_MODEL], 'system.info': () => ({ ...SYSTEM_INFO, memory: { totalBytes: 24 * 2 ** 30, freeBytes: 1.6 * 2 ** 30 } }) });
    renderApp(a);
    await pickModel();
    fireEvent.click(next());
    await loadDataset();
    await waitFor(() => expect(next().disabled).toBe(false));
    fireEvent.click(next());
    fireEvent.click(next());
    expect(screen.getByTestId('estimate-memory').textContent).toMatch(/layer by layer, recomputing each layer/);
    const warning = await screen.findByTestId('estimate-memory-warning');
    expect(warning.textContent).toMatch(/needs about [\d.]+ GB but only 1.6 GB is free/);
    // A smaller batch and length bring it under: the warning goes away.
    fireEvent.change(screen.getByTestId('field-batch-input'), { target: { value: '1' } });
    fireEvent.change(screen.getByTestId('field-max-length-input'), { target: { value: '64' } });
    await waitFor(() => expect(screen.queryByTestId('estimate-memory-warning')).toBeNull());
  });

  it('shows the field error from validateJob for an invalid learning rate, and estimates', async () => {
    renderApp(api());
    await pickModel();
    fireEvent.click(next());
    await loadDataset();
    await waitFor(() => expect(next().disabled).toBe(false));
    fireEvent.click(next());
    fireEvent.click(next());
    expect(screen.getByTestId('step-training')).toBeTruthy();
    // defaults for a small model: a high learning rate, few virtual tokens
    expect((screen.getByTestId('field-lr-input') as HTMLInputElement).value).toBe('0.3');
    expect((screen.getByTestId('field-virtual-tokens-input') as HTMLInputElement).value).toBe('8');
    expect(screen.getByTestId('estimate-memory').textContent).toMatch(/~/);
    expect(screen.getByTestId('estimates').textContent).toMatch(/estimate/i);
    fireEvent.change(screen.getByTestId('field-lr-input'), { target: { value: '-1' } });
    expect(screen.getByTestId('field-lr-error').textContent).toMatch(/must be a number in \[1e-8, 100\], got -1/);
    expect(next().disabled).toBe(true);
    expect(screen.getByTestId('next-reason').textContent).toMatch(/training.learningRate/);
    fireEvent.change(screen.getByTestId('field-lr-input'), { target: { value: '0.1' } });
    expect(screen.queryByTestId('field-lr-error')).toBeNull();
    // the unavailable device is disabled and says why
    expect((screen.getByTestId('device-cuda') as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText(/CUDA 12 is not installed/)).toBeTruthy();
    // a software WebGPU adapter is never offered as a device
    expect((screen.getByTestId('device-webgpu') as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByTestId('device-webgpu-software')).toBeNull();
    // Enter submits the step
    fireEvent.submit(screen.getByTestId('field-lr-input').closest('form')!);
    expect(screen.getByTestId('step-review')).toBeTruthy();
  });

  it('reviews, builds the CLI command and launches the run', async () => {
    const a = api({ 'jobs.get': () => new Promise(() => {}) });
    renderApp(a);
    await pickModel();
    fireEvent.click(next());
    await loadDataset();
    await waitFor(() => expect(next().disabled).toBe(false));
    fireEvent.click(next());
    fireEvent.click(next());
    fireEvent.click(next());
    fireEvent.change(screen.getByTestId('run-name-input'), { target: { value: 'Sentiment v1' } });
    const cmd = screen.getByTestId('cli-command').textContent!;
    expect(cmd).toMatch(/^sps tune --model \/models\/stories260K --data \/d\/sentiment.csv --task classification --input-template '\{text\}' --label-column label --labels happy,sad /);
    expect(cmd).toMatch(/--out \/data\/runs\/sentiment-v1$/);
    fireEvent.click(screen.getByTestId('launch'));
    await screen.findByTestId('screen-run');
    expect(a.callsOf('jobs.create')[0]).toMatchObject({ name: 'Sentiment v1', job: { name: 'Sentiment v1', model: { path: MODEL.path } } });
    expect(a.callsOf('jobs.start')).toEqual([{ id: 'r9' }]);
  });
});
