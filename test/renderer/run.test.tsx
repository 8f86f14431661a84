// @vitest-environment jsdom
import { PROGRESS_FLUSH_MS } from '../../src/renderer/stores/monitor.js';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/api.js';
import { deferred, detail, fakeApi, renderApp, summary } from './fake_api';

/** Lets batched progress reach the screen. */
const settle = () => act(() => new Promise<void>((r) => setTimeout(r, PROGRESS_FLUSH_MS + 20)));

afterEach(cleanup);

async function openRun(a: ReturnType<typeof fakeApi>) {
  const r = renderApp(a);
  act(() => r.stores.ui.getState().go({ name: 'run', id: 'r1' }));
  await screen.findByTestId('run-progress');
  return r;
}

describe('monitor', () => {
  it('shows loading, then the error with its hint', async () => {
    const d = deferred<never>();
    const r = renderApp(fakeApi({ 'jobs.get': () => d.promise }));
    act(() => r.stores.ui.getState().go({ name: 'run', id: 'r1' }));
    expect(screen.getByTestId('run-loading')).toBeTruthy();
    await act(async () => d.reject(Object.assign(new Error('x'), { error: { code: 'FILE_NOT_FOUND', message: 'no run r1', hint: 'it may have been deleted' } })));
    expect((await screen.findByTestId('run-error')).textContent).toMatch(/no run r1/);
    expect(screen.getByTestId('run-error-hint').textContent).toMatch(/deleted/);
  });

  it('draws the history and updates charts and progress on events', async () => {
    const a = fakeApi({
      'jobs.get': () => detail({ step: 2, metrics: [
        { kind: 'baseline', step: 0, accuracy: 0.5, val_loss: 3 },
        { kind: 'train', step: 1, loss: 3, lr: 0.1, gradNorm: 1, tokensPerSecond: 100 },
        { kind: 'train', step: 2, loss: 2.5, lr: 0.2, gradNorm: 0.9, tokensPerSecond: 110 },
      ] }),
    });
    await openRun(a);
    expect(screen.getByTestId('chart-loss').getAttribute('data-points')).toBe('2');
    expect(screen.getByTestId('chart-metric-baseline').textContent).toMatch(/zero-shot baseline: 0.5/);
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuenow')).toBe('2');
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'started', runDir: '/r', totalSteps: 100, step: 2, device: 'cpu (4 threads)', numTrain: 180, numValidation: 20, resumed: false } }));
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'progress', step: 3, totalSteps: 100, epoch: 0.1, loss: 2, lr: 0.3, gradNorm: 0.8, tokensPerSecond: 120, etaSeconds: 125, skipped: 1 } }));
    // Progress is drawn in batches, at most every PROGRESS_FLUSH_MS.
    expect(screen.getByTestId('chart-loss').getAttribute('data-points')).toBe('2');
    await settle();
    expect(screen.getByTestId('chart-loss').getAttribute('data-points')).toBe('3');
    expect(screen.getByTestId('chart-lr').getAttribute('data-points')).toBe('3');
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuenow')).toBe('3');
    expect(screen.getByTestId('run-eta').textContent).toMatch(/2m 5s/);
    expect(screen.getByTestId('run-device').textContent).toMatch(/cpu \(4 threads\)/);
    expect(screen.getByTestId('run-skipped').textContent).toMatch(/1/);
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'evaluation', step: 3, metrics: { accuracy: 0.8, val_loss: 1.2 }, best: true } }));
    expect(screen.getByTestId('chart-metric').getAttribute('data-points')).toBe('1');
    expect(screen.getByTestId('run-log').textContent).toMatch(/new best/);
    // events for another run do not leak in
    act(() => a.emit('jobs.event', { id: 'other', event: { type: 'progress', step: 50, totalSteps: 100, epoch: 1, loss: 1, lr: 0.3, gradNorm: 1, tokensPerSecond: 1, etaSeconds: 1, skipped: 0 } }));
    await settle();
    expect(screen.getByTestId('run-progress').getAttribute('aria-valuenow')).toBe('3');
  });

  it('shows the dataset being read before training starts, and hides it once started', async () => {
    const a = fakeApi({ 'jobs.get': () => detail({ step: 0, metrics: [] }) });
    await openRun(a);
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'loading', file: '/data/big.csv', bytesRead: 250, totalBytes: 1000 } }));
    expect(screen.getByTestId('run-loading').textContent).toMatch(/big\.csv/);
    expect(screen.getByTestId('run-loading-progress').getAttribute('aria-valuenow')).toBe('250');
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'started', runDir: '/r', totalSteps: 10, step: 0, device: 'cpu', numTrain: 9, numValidation: 1, resumed: false } }));
    expect(screen.queryByTestId('run-loading')).toBeNull();
  });

  it('pauses, resumes and cancels through the API, with button states', async () => {
    const a = fakeApi({
      'jobs.get': () => detail(),
      'jobs.pause': () => ({ ok: true }),
      'jobs.resume': () => summary({ status: 'running' }),
      'jobs.cancel': () => ({ ok: true }),
    });
    await openRun(a);
    const pause = screen.getByTestId('run-pause') as HTMLButtonElement;
    const resume = screen.getByTestId('run-resume') as HTMLButtonElement;
    const cancel = screen.getByTestId('run-cancel') as HTMLButtonElement;
    expect(pause.disabled).toBe(false);
    expect(resume.disabled).toBe(true);
    fireEvent.click(pause);
    await waitFor(() => expect(a.callsOf('jobs.pause')).toEqual([{ id: 'r1' }]));
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'paused', step: 5 } }));
    expect(screen.getByTestId('screen-run').getAttribute('data-status')).toBe('paused');
    expect(pause.disabled).toBe(true);
    expect(resume.disabled).toBe(false);
    fireEvent.click(resume);
    await waitFor(() => expect(a.callsOf('jobs.resume')).toEqual([{ id: 'r1' }]));
    await waitFor(() => expect(pause.disabled).toBe(false));
    fireEvent.click(cancel);
    await waitFor(() => expect(a.callsOf('jobs.cancel')).toEqual([{ id: 'r1' }]));
    act(() => a.emit('jobs.event', { id: 'r1', event: { type: 'finished', status: 'cancelled', step: 6, reason: 'cancelled by the user', best: null } }));
    expect(cancel.disabled).toBe(true);
    expect(screen.getAllByTestId('status-badge')[0]!.textContent).toBe('cancelled');
  });

  it('shows a failed control call with its message', async () => {
    const a = fakeApi({ 'jobs.get': () => detail(), 'jobs.pause': () => { throw Object.assign(new Error('x'), { error: { code: 'INTERNAL', message: 'the worker is gone', hint: 'resume the run' } }); } });
    await openRun(a);
    fireEvent.click(screen.getByTestId('run-pause'));
    expect((await screen.findByTestId('run-action-error')).textContent).toMatch(/the worker is gone/);
  });
});

const FINISHED = () =>
  detail({
    status: 'completed',
    step: 100,
    best: { metric: 'accuracy', value: 0.9, step: 100 },
    metrics: [
      { kind: 'baseline', step: 0, accuracy: 0.5, val_loss: 3 },
      { kind: 'evaluation', step: 100, accuracy: 0.9, val_loss: 0.4, confusion_matrix: [[9, 1], [1, 9]], labels: ['happy', 'sad'], best: true },
    ],
  });

describe('results', () => {
  it('shows metrics, the confusion matrix and nearest tokens', async () => {
    const a = fakeApi({ 'jobs.get': FINISHED, 'jobs.nearestTokens': () => [{ index: 0, tokens: [{ id: 5, token: ' happy', similarity: 0.4 }] }] });
    await openRun(a);
    expect(screen.getByTestId('cm-0-0').textContent).toBe('9');
    expect(screen.getByTestId('cm-0-1').textContent).toBe('1');
    expect(screen.getByTestId('final-metrics').textContent).toMatch(/0.9/);
    expect((await screen.findByTestId('nearest-tokens')).textContent).toMatch(/happy/);
    await waitFor(() => expect(a.callsOf('jobs.nearestTokens')).toEqual([{ id: 'r1', k: 8 }]));
  });

  it('lists every validation prediction with the mistakes first, and can show only mistakes', async () => {
    const a = fakeApi({
      'jobs.get': FINISHED,
      'jobs.nearestTokens': () => [],
      'jobs.predictions': () => ({
        checkpoint: 'best',
        metrics: { accuracy: 0.5 },
        examples: [
          { line: 2, input: 'Mia danced.', label: 'happy', prediction: 'happy', correct: true },
          { line: 7, input: 'Max cried.', label: 'sad', prediction: 'happy', correct: false },
        ],
      }),
    });
    await openRun(a);
    await waitFor(() => expect(screen.getAllByTestId('prediction-row')).toHaveLength(2));
    const rows = screen.getAllByTestId('prediction-row');
    expect(rows[0]!.getAttribute('data-correct')).toBe('false');
    expect(rows[0]!.textContent).toMatch(/Max cried/);
    expect(screen.getByTestId('predictions-summary').textContent).toMatch(/2 validation examples: 1 wrong/);
    fireEvent.click(screen.getByTestId('predictions-only-errors'));
    expect(screen.getAllByTestId('prediction-row')).toHaveLength(1);
    expect(a.callsOf('jobs.predictions')).toEqual([{ id: 'r1' }]);
  });

  it('shows the engine error when predictions fail', async () => {
    const a = fakeApi({
      'jobs.get': FINISHED,
      'jobs.nearestTokens': () => [],
      'jobs.predictions': () => {
        throw new ApiError({ code: 'FILE_NOT_FOUND', message: 'the run has no best prompt yet', hint: 'finish or resume the run first' });
      },
    });
    await openRun(a);
    expect((await screen.findByTestId('predictions-error')).textContent).toMatch(/finish or resume the run first/);
  });

  it('streams the playground with and without the prompt, and stops', async () => {
    let n = 0;
    const a = fakeApi({ 'jobs.get': FINISHED, 'jobs.nearestTokens': () => [], 'inference.generate': () => ({ streamId: `s${++n}` }), 'inference.cancel': () => ({ ok: true }) });
    await openRun(a);
    fireEvent.change(screen.getByTestId('playground-input'), { target: { value: 'Tom lost his ball.' } });
    fireEvent.click(screen.getByTestId('playground-generate'));
    await waitFor(() => expect(a.callsOf('inference.generate')).toHaveLength(2));
    const gens = a.callsOf('inference.generate');
    expect(gens.map((g) => g.usePrompt).sort()).toEqual([false, true]);
    const withId = gens[0]!.usePrompt ? 's1' : 's2';
    const withoutId = withId === 's1' ? 's2' : 's1';
    await waitFor(() => expect((screen.getByTestId('playground-stop') as HTMLButtonElement).disabled).toBe(false));
    act(() => {
      a.emit('inference.token', { streamId: withId, token: 1, delta: ' The' });
      a.emit('inference.token', { streamId: withId, token: 2, delta: ' child' });
      a.emit('inference.token', { streamId: withoutId, token: 3, delta: ' Once' });
    });
    expect(screen.getByTestId('stream-with-text').textContent).toBe(' The child');
    expect(screen.getByTestId('stream-without-text').textContent).toBe(' Once');
    fireEvent.click(screen.getByTestId('playground-stop'));
    await waitFor(() => expect(a.callsOf('inference.cancel').map((c) => c.streamId).sort()).toEqual(['s1', 's2']));
    expect(screen.getByTestId('stream-with').getAttribute('data-status')).toBe('stopped');
    act(() => a.emit('inference.token', { streamId: withId, done: { stopped: true, text: ' The child', ids: [1, 2] } }));
    expect(screen.getByTestId('stream-with-text').textContent).toBe(' The child');
  });

  it('classifies a text', async () => {
    const a = fakeApi({ 'jobs.get': FINISHED, 'jobs.nearestTokens': () => [], 'inference.classify': () => ({ prediction: 'sad', scores: { happy: -3, sad: -0.5 } }) });
    await openRun(a);
    fireEvent.change(screen.getByTestId('classify-input'), { target: { value: 'Tom cried.' } });
    fireEvent.click(screen.getByTestId('classify-submit'));
    expect((await screen.findByTestId('classify-prediction')).textContent).toBe('sad');
    expect(a.callsOf('inference.classify')).toEqual([{ id: 'r1', text: 'Tom cried.' }]);
  });

  it('exports a PEFT adapter and shows the written path and files', async () => {
    const d = deferred<{ path: string; files: string[] }>();
    const a = fakeApi({ 'jobs.get': FINISHED, 'jobs.nearestTokens': () => [], 'exports.export': () => d.promise });
    await openRun(a);
    fireEvent.click(screen.getByTestId('export-open'));
    const dialog = screen.getByTestId('export-dialog');
    expect(within(dialog).getAllByRole('radio').length).toBeGreaterThanOrEqual(5);
    for (const f of ['peft', 'safetensors', 'npy', 'json', 'card']) expect(screen.getByTestId(`export-format-${f}`)).toBeTruthy();
    fireEvent.click(screen.getByTestId('export-submit'));
    expect(screen.getByTestId('export-loading')).toBeTruthy();
    expect(a.callsOf('exports.export')).toEqual([{ id: 'r1', format: 'peft', checkpoint: 'best' }]);
    await act(async () => d.resolve({ path: '/data/runs/r1/export/peft', files: ['adapter_config.json', 'adapter_model.safetensors'] }));
    expect(screen.getByTestId('export-path').textContent).toBe('/data/runs/r1/export/peft');
    expect(screen.getByTestId('export-files').textContent).toMatch(/adapter_model.safetensors/);
    fireEvent.click(screen.getByTestId('export-format-card'));
    fireEvent.change(screen.getByTestId('export-out'), { target: { value: '/tmp/card.md' } });
    fireEvent.click(screen.getByTestId('export-submit'));
    expect(a.callsOf('exports.export')[1]).toEqual({ id: 'r1', format: 'card', checkpoint: 'best', out: '/tmp/card.md' });
  });
});
