// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatasetPreview, ValidationReportDTO } from '../../src/shared/api';
import { MODEL, SYSTEM_INFO, fakeApi, renderApp, summary } from './fake_api';

afterEach(cleanup);

const SAMPLE = { modelPath: '/app/resources/models/stories260K', modelName: 'stories260K', datasetPath: '/app/resources/samples/sentiment.csv' };
const BUILTIN = { ...MODEL, id: 'builtin', path: SAMPLE.modelPath };
const PREVIEW: DatasetPreview = { path: SAMPLE.datasetPath, format: 'csv', columns: ['text', 'label'], rows: [{ line: 2, fields: { text: 'Mia smiled.', label: 'happy' } }], bytes: 9000 };
const REPORT: ValidationReportDTO = {
  ok: true,
  errors: 0,
  warnings: 0,
  train: { file: SAMPLE.datasetPath, format: 'csv', rows: 200, columns: ['text', 'label'], examples: 200, duplicateRows: 0, labelDistribution: [{ label: 'happy', count: 100 }, { label: 'sad', count: 100 }] },
  labels: ['happy', 'sad'],
  problems: [],
};

const api = (over: Parameters<typeof fakeApi>[0] = {}) =>
  fakeApi({
    'system.info': () => ({ ...SYSTEM_INFO, sample: SAMPLE }),
    'models.add': (req) => ({ ...BUILTIN, path: req.path }),
    'datasets.preview': () => PREVIEW,
    'datasets.validate': () => REPORT,
    'jobs.create': () => summary({ id: 'r1', status: 'created' }),
    'jobs.start': () => summary({ id: 'r1', status: 'running' }),
    'datasets.templatePreview': ({ job }) => ({
      examples: [{ line: 2, input: job.task.kind !== 'lm' && job.task.chatTemplate ? '<|im_start|>user\nMia smiled. The story is<|im_end|>\n' : 'Mia smiled. The story is', output: 'happy', tokens: [{ id: 1, text: '<s>', part: 'input' }, { id: 5, text: 'happy', part: 'output' }] }],
    }),
    ...over,
  });

describe('first-run screen', () => {
  it('offers the sample to a new user and prefills the whole wizard with it', async () => {
    const a = api();
    renderApp(a);
    fireEvent.click(await screen.findByTestId('try-sample'));
    await screen.findByTestId('step-review');
    expect(a.callsOf('models.add')).toEqual([{ path: SAMPLE.modelPath }]);
    expect(a.callsOf('datasets.preview')[0]).toMatchObject({ path: SAMPLE.datasetPath });
    const job = a.callsOf('datasets.validate').at(-1)!.job;
    expect(job).toMatchObject({
      model: { path: SAMPLE.modelPath },
      data: { train: SAMPLE.datasetPath },
      task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
      prompt: { numVirtualTokens: 8 },
      training: { learningRate: 0.3, steps: 150, batchSize: 8 },
    });
    expect(screen.getByTestId('cli-command').textContent).toContain('The story is');
    fireEvent.click(screen.getByTestId('launch'));
    await waitFor(() => expect(a.callsOf('jobs.create')).toHaveLength(1));
    expect(a.callsOf('jobs.create')[0]).toMatchObject({ name: 'sample-sentiment', job: { task: { labels: ['happy', 'sad'] } } });
  });

  it('is not offered once the user has runs or models of their own (the built-in one does not count)', async () => {
    renderApp(api({ 'models.list': () => [BUILTIN] }));
    await screen.findByTestId('try-sample');
    cleanup();
    renderApp(api({ 'models.list': () => [BUILTIN, MODEL] }));
    await screen.findByTestId('models-table');
    expect(screen.queryByTestId('first-run')).toBeNull();
    cleanup();
    renderApp(api({ 'jobs.list': () => [summary({ id: 'r0', status: 'completed' })] }));
    await screen.findByTestId('models-empty');
    await waitFor(() => expect(screen.queryByTestId('first-run')).toBeNull());
    cleanup();
    // An installation without the built-in model has nothing to offer.
    renderApp(api({ 'system.info': () => SYSTEM_INFO }));
    await screen.findByTestId('models-empty');
    expect(screen.queryByTestId('first-run')).toBeNull();
  });

  it('the task step offers the chat template; the preview and the CLI command follow it', async () => {
    const a = api();
    renderApp(a);
    fireEvent.click(await screen.findByTestId('try-sample'));
    await screen.findByTestId('step-review');
    expect(screen.getByTestId('cli-command').textContent).not.toContain('--chat-template');
    fireEvent.click(screen.getByTestId('wizard-step-3'));
    const toggle = (await screen.findByTestId('chat-template-toggle')) as HTMLInputElement;
    expect(toggle.checked).toBe(false);
    fireEvent.click(toggle);
    await waitFor(() => expect(a.callsOf('datasets.templatePreview').some((r) => r.job.task.kind === 'classification' && r.job.task.chatTemplate === true)).toBe(true));
    fireEvent.click(screen.getByTestId('wizard-step-5'));
    await screen.findByTestId('step-review');
    expect(screen.getByTestId('cli-command').textContent).toContain('--chat-template');
    fireEvent.click(screen.getByTestId('launch'));
    await waitFor(() => expect(a.callsOf('jobs.create')).toHaveLength(1));
    expect(a.callsOf('jobs.create')[0]!.job.task).toMatchObject({ chatTemplate: true });
  });
});
