// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { BAD_MODEL, MODEL, deferred, detail, fakeApi, renderApp, summary } from './fake_api';
import type { RunSummary } from '../../src/shared/api';

afterEach(cleanup);

const fail = (message: string, hint: string) => Object.assign(new Error(message), { error: { code: 'INTERNAL', message, hint } });

describe('runs screen', () => {
  it('shows loading, then the runs with badges, progress and best metric', async () => {
    const d = deferred<RunSummary[]>();
    const a = fakeApi({ 'jobs.list': () => d.promise, 'jobs.get': (req) => detail({ id: req.id, metrics: [{ kind: 'train', step: 1, loss: 2, lr: 0.1, gradNorm: 1, tokensPerSecond: 1 }] }) });
    const r = renderApp(a);
    fireEvent.click(screen.getByTestId('nav-runs'));
    expect(screen.getByTestId('runs-loading')).toBeTruthy();
    await act(async () => d.resolve([summary({ id: 'r1', status: 'completed', step: 100, best: { metric: 'accuracy', value: 0.92, step: 80 } }), summary({ id: 'r2', name: 'b', status: 'failed', step: 10, error: { code: 'INTERNAL', message: 'out of memory' } })]));
    const rows = screen.getAllByTestId('run-row');
    expect(rows.map((x) => x.getAttribute('data-status'))).toEqual(['completed', 'failed']);
    expect(screen.getAllByTestId('run-best')[0]!.textContent).toMatch(/accuracy 0.92 @ 80/);
    expect(screen.getByText('out of memory')).toBeTruthy();
    // a jobs.changed event updates the list
    act(() => a.emit('jobs.changed', { run: summary({ id: 'r2', name: 'b', status: 'running', step: 20 }) }));
    expect(screen.getAllByTestId('run-row')[1]!.getAttribute('data-status')).toBe('running');
    // overlay two runs' loss curves
    fireEvent.click(screen.getAllByTestId('run-compare')[0]!);
    fireEvent.click(screen.getAllByTestId('run-compare')[1]!);
    await waitFor(() => expect(screen.getByTestId('runs-overlay').getAttribute('data-points')).toBe('1'));
    expect(r.stores.runs.getState().selected).toEqual(['r1', 'r2']);
    fireEvent.click(screen.getAllByTestId('run-open')[0]!);
    expect(await screen.findByTestId('screen-run')).toBeTruthy();
  });

  it('shows the empty state and the error state with its hint', async () => {
    renderApp(fakeApi({ 'jobs.list': () => [] }));
    fireEvent.click(screen.getByTestId('nav-runs'));
    expect((await screen.findByTestId('runs-empty')).textContent).toMatch(/No runs yet/);
    cleanup();
    renderApp(fakeApi({ 'jobs.list': () => { throw fail('cannot read the runs folder', 'check Settings → Runs folder'); } }));
    fireEvent.click(screen.getByTestId('nav-runs'));
    expect((await screen.findByTestId('runs-error')).textContent).toMatch(/cannot read the runs folder/);
    expect(screen.getByTestId('runs-error-hint').textContent).toMatch(/Settings/);
  });
});

describe('models screen', () => {
  it('lists models with architecture, context and support, and removes one', async () => {
    const a = fakeApi({ 'models.list': () => [MODEL, BAD_MODEL], 'models.remove': () => ({ removed: true }) });
    renderApp(a);
    fireEvent.click(screen.getByTestId('nav-models'));
    await screen.findByTestId('models-table');
    expect(screen.getByTestId('screen-models').textContent).toMatch(/llama/);
    expect(screen.getByTestId('screen-models').textContent).toMatch(/512/);
    fireEvent.click(screen.getByRole('button', { name: 'Remove bert-base' }));
    await waitFor(() => expect(screen.getAllByTestId('model-row')).toHaveLength(1));
    expect(a.callsOf('models.remove')).toEqual([{ id: 'm2' }]);
  });

  it('shows the add error with location and hint', async () => {
    renderApp(fakeApi({ 'models.add': () => { throw Object.assign(new Error('x'), { error: { code: 'FILE_NOT_FOUND', message: 'no config.json', location: { file: '/m/x' }, hint: 'choose the folder that holds config.json' } }); } }));
    fireEvent.click(screen.getByTestId('nav-models'));
    fireEvent.change(screen.getByTestId('model-path-input'), { target: { value: '/m/x' } });
    fireEvent.keyDown(screen.getByTestId('model-path-input'), { key: 'Enter' });
    expect((await screen.findByTestId('model-add-error')).textContent).toMatch(/no config.json/);
    expect(screen.getByTestId('model-add-error-hint').textContent).toMatch(/config.json/);
  });
});

describe('settings', () => {
  it('toggles the theme, applies it to the document and saves it', async () => {
    const a = fakeApi();
    renderApp(a);
    fireEvent.click(screen.getByTestId('nav-settings'));
    await waitFor(() => expect(a.callsOf('system.getSettings')).toHaveLength(1));
    fireEvent.click(screen.getByTestId('theme-dark'));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
    expect(a.callsOf('system.setSettings')).toEqual([{ theme: 'dark' }]);
    fireEvent.click(screen.getByTestId('theme-toggle'));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('light'));
    expect((screen.getByTestId('theme-light') as HTMLInputElement).checked).toBe(true);
    expect(screen.getByTestId('system-info').textContent).toMatch(/CUDA 12 is not installed/);
    // the WebGPU adapter's name and kind
    expect(screen.getByTestId('device-info-webgpu-software').textContent).toBe('webgpu-software: available: llvmpipe (LLVM 19) [software renderer, libvulkan_lvp.so]; fp16; only when asked for by name');
  });

  it('shows the token cache folder, size and limit, and clears it', async () => {
    const status = { dir: '/cache/tokens', dirSource: 'env' as const, maxBytes: 20 * 1024 ** 3, bytes: 3 * 1024 ** 3, entries: 2 };
    const a = fakeApi({ 'system.tokenCache': () => status, 'system.clearTokenCache': () => ({ ...status, bytes: 1024 ** 3, entries: 1, removed: 1, freedBytes: 2 * 1024 ** 3, kept: 1 }) });
    renderApp(a);
    fireEvent.click(screen.getByTestId('nav-settings'));
    expect((await screen.findByTestId('token-cache-dir')).textContent).toBe('/cache/tokens');
    expect(screen.getByTestId('token-cache').textContent).toMatch(/from SPS_TOKEN_CACHE/);
    expect(screen.getByTestId('token-cache-size').textContent).toMatch(/^3\.0 GB in 2 datasets, at most 20\.0 GB/);
    fireEvent.click(screen.getByTestId('token-cache-clear'));
    expect((await screen.findByTestId('token-cache-cleared')).textContent).toBe('Removed 1 (2.0 GB); 1 in use by a running job kept.');
    expect(a.callsOf('system.clearTokenCache')).toEqual([{}]);
    expect(screen.getByTestId('token-cache-size').textContent).toMatch(/^1\.0 GB in 1 dataset,/);
  });

  it('starts with the saved theme', async () => {
    renderApp(fakeApi({ 'system.getSettings': () => ({ runsDir: '/r', theme: 'dark' }) }));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'));
  });
});

describe('shell', () => {
  it('has a keyboard-reachable nav with the current page marked', () => {
    renderApp(fakeApi());
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(nav.querySelectorAll('button')).toHaveLength(4);
    expect(screen.getByTestId('nav-new').getAttribute('aria-current')).toBe('page');
    fireEvent.click(screen.getByTestId('nav-models'));
    expect(screen.getByTestId('nav-models').getAttribute('aria-current')).toBe('page');
  });

  it('a web-mode file drop that carries no path is uploaded; a failed upload says why', async () => {
    renderApp(fakeApi({ 'datasets.upload': () => { throw Object.assign(new Error('x'), { error: { code: 'INVALID_ARGUMENT', message: 'over the 32 MiB upload limit' } }); } }));
    const { dropOnWindow } = await import('./fake_api');
    act(() => dropOnWindow({ files: [new File(['x'], 'data.csv')] }));
    expect(screen.getByTestId('step-dataset')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('notice').textContent).toMatch(/"data.csv" could not be uploaded: over the 32 MiB upload limit/));
  });

  it('settings: web mode shows the runs folder read-only; the desktop app picks it with a dialog', async () => {
    const a = fakeApi();
    const { unmount } = renderApp(a);
    fireEvent.click(screen.getByTestId('nav-settings'));
    expect((screen.getByTestId('settings-runs-dir') as HTMLInputElement).readOnly).toBe(true);
    expect((screen.getByTestId('settings-save') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByTestId('settings-runs-dir-choose')).toBeNull();
    unmount();
    const d = fakeApi();
    renderApp(d, { mode: 'desktop', openRunsFolder: async () => '/big-disk/runs' });
    fireEvent.click(screen.getByTestId('nav-settings'));
    await waitFor(() => expect((screen.getByTestId('settings-runs-dir') as HTMLInputElement).value).toBe('/data/runs'));
    fireEvent.click(screen.getByTestId('settings-runs-dir-choose'));
    await waitFor(() => expect((screen.getByTestId('settings-runs-dir') as HTMLInputElement).value).toBe('/big-disk/runs'));
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(d.callsOf('system.setSettings').at(-1)).toEqual({ runsDir: '/big-disk/runs' }));
  });
});
