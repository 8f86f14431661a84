import { describe, expect, it, vi } from 'vitest';
import { createDialogGate, type Dialogs } from '../../../src/main/dialogs.js';
import { createIpcGate } from '../../../src/main/ipc_gate.js';
import { createDropGrantHandler, PathGrants } from '../../../src/main/path_grants.js';
import type { ApiHandlers } from '../../../src/shared/api.js';
import { JOB_DEFAULTS, type JobConfig } from '../../../src/shared/job.js';

/**
 * Desktop: paths reach the API only from a dialog or a drop; main keeps the grants. A
 * compromised renderer (any script in the page) can call the API but not name other paths.
 */
const frame = { url: 'app://sps/index.html', parent: null };
const event = { senderFrame: frame };
const trusted = (f: unknown) => f === frame;
const log = { error: vi.fn(), warn: vi.fn() };

function job(model: string, train: string): JobConfig {
  return {
    version: 1,
    model: { path: model },
    data: { train, validationFraction: 0.1 },
    task: { kind: 'classification', inputTemplate: '{text}', labelColumn: 'label' },
    prompt: { numVirtualTokens: 4, init: 'random' },
    training: { ...JOB_DEFAULTS.training, steps: 2 },
    device: 'cpu',
  };
}

function setup() {
  const grants = new PathGrants(() => ['/home/me/.sps', '/home/me/.sps/runs']);
  const handlers = {
    'datasets.preview': vi.fn(async ({ path }: { path: string }) => ({ path })),
    'models.add': vi.fn(async ({ path }: { path: string }) => ({ path })),
    'jobs.create': vi.fn(async () => ({ id: 'r' })),
    'exports.export': vi.fn(async ({ out }: { out?: string }) => ({ path: out ?? '/home/me/.sps/runs/r/exports/best-peft', files: [] })),
  } as unknown as ApiHandlers;
  const gate = createIpcGate({ handlers, isTrustedSender: trusted, log, paths: grants });
  const dialogs: Dialogs = {
    openModelFolder: async () => '/models/llama',
    openDataset: async () => '/home/me/data/reviews.csv',
    saveExportPath: async (name) => `/home/me/exports/${name}`,
    openRunsFolder: async () => '/big-disk/runs',
  };
  const dialogGate = createDialogGate({ dialogs, isTrustedSender: trusted, log, grants });
  const drop = createDropGrantHandler({ grants, isTrustedSender: trusted, isFolder: (p) => p === '/home/me/dropped-model' });
  return { grants, handlers, gate, dialogGate, drop };
}

describe('desktop path grants', () => {
  it('a renderer naming a path nobody chose is refused before any handler runs', async () => {
    const { gate, handlers } = setup();
    for (const path of ['/etc/passwd', '/home/me/.ssh/id_rsa', '/home/me/.sps/../.ssh/id_rsa']) {
      const r = await gate(event, 'datasets.preview', { path });
      expect(r.ok, path).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'PATH_NOT_ALLOWED', location: { field: 'path' } });
    }
    expect(handlers['datasets.preview']).not.toHaveBeenCalled();
    expect((await gate(event, 'jobs.create', { job: job('/models/llama', '/home/me/data/reviews.csv') })).ok).toBe(false);
    expect((await gate(event, 'exports.export', { id: 'r', format: 'json', out: '/home/me/.bashrc' })).ok).toBe(false);
  });

  it('a dialog grants what the user chose: the dataset file, the model folder and its files, the save target', async () => {
    const { gate, dialogGate } = setup();
    expect(await dialogGate(event, 'openDataset', undefined)).toEqual({ ok: true, value: '/home/me/data/reviews.csv' });
    expect(await dialogGate(event, 'openModelFolder', undefined)).toEqual({ ok: true, value: '/models/llama' });
    expect((await gate(event, 'datasets.preview', { path: '/home/me/data/reviews.csv' })).ok).toBe(true);
    // The file, not its folder's other files.
    expect((await gate(event, 'datasets.preview', { path: '/home/me/data/other.csv' })).ok).toBe(false);
    expect((await gate(event, 'models.add', { path: '/models/llama' })).ok).toBe(true);
    expect((await gate(event, 'jobs.create', { job: job('/models/llama', '/home/me/data/reviews.csv') })).ok).toBe(true);
    // A save dialog grants writing its target only.
    expect((await gate(event, 'exports.export', { id: 'r', format: 'json', out: '/home/me/exports/p.json' })).ok).toBe(false);
    await dialogGate(event, 'saveExportPath', { defaultName: 'p.json' });
    expect((await gate(event, 'exports.export', { id: 'r', format: 'json', out: '/home/me/exports/p.json' })).ok).toBe(true);
    // Read access to a chosen file is not write access.
    expect((await gate(event, 'exports.export', { id: 'r', format: 'json', out: '/home/me/data/reviews.csv' })).ok).toBe(false);
  });

  it('a drop grants its path (folder or file); an untrusted sender or a relative path grants nothing', async () => {
    const { gate, drop, grants } = setup();
    drop({ senderFrame: { url: 'https://evil.example/', parent: null } }, '/etc');
    drop(event, 'relative/path.csv');
    drop(event, 42);
    expect(grants.mayRead('/etc/passwd')).toBe(false);
    drop(event, '/home/me/dropped.csv');
    drop(event, '/home/me/dropped-model');
    expect((await gate(event, 'datasets.preview', { path: '/home/me/dropped.csv' })).ok).toBe(true);
    expect((await gate(event, 'models.add', { path: '/home/me/dropped-model/' })).ok).toBe(true);
    expect(grants.mayRead('/home/me/dropped-model/config.json')).toBe(true);
  });

  it('the runs folder can be set only to what the runs-folder dialog returned', async () => {
    const { gate, dialogGate, handlers } = setup();
    (handlers as unknown as Record<string, unknown>)['system.setSettings'] = vi.fn(async (req: unknown) => req);
    expect((await gate(event, 'system.setSettings', { runsDir: '/etc' })).ok).toBe(false);
    // A model folder chosen in its dialog is not a runs folder.
    await dialogGate(event, 'openModelFolder', undefined);
    expect((await gate(event, 'system.setSettings', { runsDir: '/models/llama' })).ok).toBe(false);
    expect(await dialogGate(event, 'openRunsFolder', undefined)).toEqual({ ok: true, value: '/big-disk/runs' });
    expect((await gate(event, 'system.setSettings', { runsDir: '/big-disk/runs' })).ok).toBe(true);
    expect((await gate(event, 'system.setSettings', { theme: 'dark' })).ok).toBe(true);
  });

  it('the app’s own folders (data, runs) are standing grants; requests without paths are untouched', async () => {
    const { gate } = setup();
    expect((await gate(event, 'datasets.preview', { path: '/home/me/.sps/uploads/x.csv' })).ok).toBe(true);
    expect((await gate(event, 'exports.export', { id: 'r', format: 'json' })).ok).toBe(true);
  });
});
