// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogueEntry, HubTokenStatus, ModelEntry, PullStatus } from '../../src/shared/api';
import { BAD_MODEL, MODEL, fakeApi, renderApp } from './fake_api';

afterEach(cleanup);

const BUILTIN: ModelEntry = { ...MODEL, id: 'b1', source: 'builtin', architecture: 'LlamaForCausalLM', dtype: 'F32', parameters: 260_032, sizeBytes: 1_074_000 };
const CACHED: ModelEntry = { ...MODEL, id: 'c1', name: 'HuggingFaceTB/SmolLM2-135M', path: '/hf/models--HuggingFaceTB--SmolLM2-135M/snapshots/abc', source: 'hf-cache', repoId: 'HuggingFaceTB/SmolLM2-135M', revision: 'abc', architecture: 'LlamaForCausalLM', dtype: 'BF16', parameters: 134_515_008, contextLength: 8192, sizeBytes: 270_000_000 };
const ADDED_BAD: ModelEntry = { ...BAD_MODEL, source: 'added', architecture: 'BertModel', reason: 'model_type "bert" is not supported — supported model types: llama, mistral, qwen2, qwen3, gpt2' };
const CATALOGUE: CatalogueEntry[] = [
  { repoId: 'HuggingFaceTB/SmolLM2-135M', parameters: 135e6, approxBytes: 270e6, instruct: false, gated: false, license: 'apache-2.0', downloaded: true },
  { repoId: 'Qwen/Qwen2.5-0.5B-Instruct', parameters: 494e6, approxBytes: 988e6, instruct: true, gated: false, license: 'apache-2.0', downloaded: false },
  { repoId: 'meta-llama/Llama-3.2-1B', parameters: 1.24e9, approxBytes: 2.47e9, instruct: false, gated: true, license: 'llama3.2', downloaded: false },
];
const status = (over: Partial<PullStatus>): PullStatus => ({ pullId: 'p1', repoId: 'Qwen/Qwen2.5-0.5B-Instruct', revision: 'main', phase: 'downloading', filesDone: 0, filesTotal: 5, bytesDone: 0, bytesTotal: 1_000_000_000, bytesPerSecond: 0, ...over });

function openModels(extra: Parameters<typeof fakeApi>[0] = {}) {
  const a = fakeApi({ 'models.list': () => [BUILTIN, ADDED_BAD, CACHED], 'models.catalogue': () => CATALOGUE, 'models.remove': () => ({ removed: true }), 'models.pull': () => ({ pullId: 'p1' }), 'models.cancelPull': () => ({ ok: true }), ...extra });
  const r = renderApp(a);
  fireEvent.click(screen.getByTestId('nav-models'));
  return { a, r };
}

describe('models screen: the library', () => {
  it('shows each model with source, architecture, parameters, dtype, context, disk use and ready or the reason', async () => {
    const { a } = openModels();
    const rows = await screen.findAllByTestId('model-row');
    expect(rows.map((r) => r.getAttribute('data-source'))).toEqual(['builtin', 'added', 'hf-cache']);
    const cached = rows[2] as HTMLElement;
    expect(cached.textContent).toMatch(/Hugging Face cache/);
    expect(cached.textContent).toMatch(/LlamaForCausalLM/);
    expect(cached.textContent).toMatch(/134\.5M params/);
    expect(cached.textContent).toMatch(/BF16/);
    expect(cached.textContent).toMatch(/8192/);
    expect(cached.textContent).toMatch(/257 MB/);
    expect(cached.textContent).toMatch(/ready/);
    expect((rows[1] as HTMLElement).textContent).toMatch(/cannot be used: model_type "bert" is not supported/);
    // Built-in: nothing to remove. Added folder: forgotten at once. Cache snapshot: files deleted after a confirmation.
    expect(within(rows[0] as HTMLElement).queryByRole('button', { name: /Remove/ })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: `Remove ${ADDED_BAD.name}` }));
    await waitFor(() => expect(a.callsOf('models.remove')).toEqual([{ id: ADDED_BAD.id }]));
    fireEvent.click(screen.getByRole('button', { name: `Remove ${CACHED.name}` }));
    expect(a.callsOf('models.remove')).toHaveLength(1);
    fireEvent.click(screen.getByTestId('model-delete-confirm'));
    await waitFor(() => expect(a.callsOf('models.remove')[1]).toEqual({ id: 'c1', deleteFiles: true }));
  });
});

describe('models screen: downloads from the Hub', () => {
  it('pulls from the catalogue with progress, speed and ETA, cancels, and lists the model when done', async () => {
    const { a } = openModels();
    const rows = await screen.findAllByTestId('catalogue-row');
    expect(rows.map((r) => r.getAttribute('data-repo'))).toEqual(CATALOGUE.map((c) => c.repoId));
    expect((rows[0] as HTMLElement).textContent).toMatch(/downloaded/);
    expect((rows[2] as HTMLElement).textContent).toMatch(/gated: accept the licence on the model page/);
    fireEvent.click(screen.getByRole('button', { name: 'Download Qwen/Qwen2.5-0.5B-Instruct' }));
    await waitFor(() => expect(a.callsOf('models.pull')).toEqual([{ repoId: 'Qwen/Qwen2.5-0.5B-Instruct' }]));
    expect((await screen.findByTestId('pull')).getAttribute('data-phase')).toBe('resolving');
    act(() => a.emit('models.pull', status({ bytesDone: 250_000_000, bytesPerSecond: 10_000_000, etaSeconds: 75, file: 'model.safetensors', filesDone: 3 })));
    expect(screen.getByTestId('pull-progress').getAttribute('aria-valuenow')).toBe('250000000');
    expect(screen.getByTestId('pull-numbers').textContent).toMatch(/238 MB of 954 MB · 3\/5 files · model\.safetensors · 9\.5 MB\/s · 1m 15s left/);
    // The catalogue button is disabled while its pull runs.
    expect((screen.getByRole('button', { name: 'Download Qwen/Qwen2.5-0.5B-Instruct' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('pull-cancel'));
    await waitFor(() => expect(a.callsOf('models.cancelPull')).toEqual([{ pullId: 'p1' }]));
    act(() => a.emit('models.pull', status({ phase: 'cancelled', bytesDone: 260_000_000, error: { code: 'CANCELLED', message: 'cancelled' } })));
    expect(screen.getByTestId('pull').textContent).toMatch(/Pull again to continue/);
    expect(screen.queryByTestId('pull-cancel')).toBeNull();
    const listCalls = a.callsOf('models.list').length;
    act(() => a.emit('models.pull', status({ phase: 'done', bytesDone: 1_000_000_000, filesDone: 5, model: { ...CACHED, name: 'Qwen/Qwen2.5-0.5B-Instruct' } })));
    expect(screen.getByTestId('pull-done').textContent).toMatch(/In the library as Qwen\/Qwen2\.5-0\.5B-Instruct: ready/);
    await waitFor(() => expect(a.callsOf('models.list').length).toBe(listCalls + 1));
  });

  it('pulls any repo id at a revision, and shows why a pull failed or could not start', async () => {
    let n = 0;
    const { a } = openModels({
      'models.pull': (req) => {
        if (req.repoId === 'bad id') throw Object.assign(new Error('x'), { error: { code: 'INVALID_ARGUMENT', message: '"bad id" is not a model repo id', hint: 'write it as on the model page, org/name' } });
        return { pullId: `p${++n}` };
      },
    });
    await screen.findByTestId('catalogue');
    fireEvent.change(screen.getByTestId('pull-repo-input'), { target: { value: 'bad id' } });
    fireEvent.click(screen.getByTestId('pull-submit'));
    expect((await screen.findByTestId('pull-start-error')).textContent).toMatch(/not a model repo id/);
    fireEvent.change(screen.getByTestId('pull-repo-input'), { target: { value: 'meta-llama/Llama-3.2-1B' } });
    fireEvent.change(screen.getByTestId('pull-revision-input'), { target: { value: 'v1' } });
    fireEvent.click(screen.getByTestId('pull-submit'));
    await waitFor(() => expect(a.callsOf('models.pull')[1]).toEqual({ repoId: 'meta-llama/Llama-3.2-1B', revision: 'v1' }));
    act(() => a.emit('models.pull', status({ pullId: 'p1', repoId: 'meta-llama/Llama-3.2-1B', revision: 'v1', phase: 'failed', error: { code: 'ACCESS_DENIED', message: 'the Hub refused access to meta-llama/Llama-3.2-1B (HTTP 401)', hint: 'accept the licence on the model page (https://huggingface.co/meta-llama/Llama-3.2-1B), then set HF_TOKEN' } })));
    expect(screen.getByTestId('pull-error').textContent).toMatch(/HTTP 401/);
    expect(screen.getByTestId('pull-error-hint').textContent).toMatch(/accept the licence on the model page/);
    expect(screen.queryByTestId('pull-start-error')).toBeNull();
  });
});

describe('settings: the Hugging Face token', () => {
  const tokenApi = (initial: HubTokenStatus) => {
    let current = initial;
    return fakeApi({
      'models.hubToken': () => current,
      'models.setHubToken': () => (current = { ...current, source: 'stored' }),
      'models.clearHubToken': () => (current = { ...current, source: 'none' }),
    });
  };

  it('desktop: stores a token (encrypted by the app) and forgets it', async () => {
    const a = tokenApi({ source: 'none', canStore: true, endpoint: 'https://huggingface.co', cacheDir: '/hf' });
    renderApp(a, { mode: 'desktop' });
    fireEvent.click(screen.getByTestId('nav-settings'));
    expect((await screen.findByTestId('hub-token-source')).textContent).toMatch(/none/);
    fireEvent.change(screen.getByTestId('hub-token-input'), { target: { value: ' hf_abcdefgh12345 ' } });
    fireEvent.click(screen.getByTestId('hub-token-save'));
    await waitFor(() => expect(screen.getByTestId('hub-token-source').textContent).toMatch(/stored on this computer/));
    expect(a.callsOf('models.setHubToken')).toEqual([{ token: 'hf_abcdefgh12345' }]);
    expect((screen.getByTestId('hub-token-input') as HTMLInputElement).value).toBe('');
    fireEvent.click(screen.getByTestId('hub-token-clear'));
    await waitFor(() => expect(screen.getByTestId('hub-token-source').textContent).toMatch(/none/));
  });

  it('web mode: says the token comes from HF_TOKEN only, with no field to type one', async () => {
    renderApp(tokenApi({ source: 'env', canStore: false, endpoint: 'https://huggingface.co', cacheDir: '/hf' }));
    fireEvent.click(screen.getByTestId('nav-settings'));
    expect((await screen.findByTestId('hub-token-source')).textContent).toMatch(/HF_TOKEN environment variable/);
    expect(screen.getByTestId('hub-token-web').textContent).toMatch(/set HF_TOKEN in the environment of sps serve/);
    expect(screen.queryByTestId('hub-token-input')).toBeNull();
  });
});
