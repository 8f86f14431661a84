import { describe, expect, it, vi } from 'vitest';
import { createDialogGate, createDialogs, type DialogModule, type Dialogs } from '../../../src/main/dialogs.js';
import { appFrameCheck, type FrameLike } from '../../../src/main/ipc_gate.js';
import { resolveAppPaths } from '../../../src/main/app_paths.js';

const mainFrame: FrameLike = { url: 'app://sps/index.html', parent: null };
const ev = (frame: FrameLike | null = mainFrame) => ({ senderFrame: frame });
const quiet = { error: vi.fn(), warn: vi.fn() };

function fakeDialogs(): Dialogs & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    openModelFolder: async () => (calls.push('folder'), '/models/llama'),
    openDataset: async () => (calls.push('dataset'), null),
    saveExportPath: async (n) => (calls.push(['save', n]), `/out/${n}`),
    openRunsFolder: async () => (calls.push('runs'), '/big-disk/runs'),
  };
}

describe('the dialog gate', () => {
  it('runs the three dialogs for the main frame', async () => {
    const d = fakeDialogs();
    const gate = createDialogGate({ dialogs: d, isTrustedSender: appFrameCheck(() => [mainFrame]), log: quiet });
    expect(await gate(ev(), 'openModelFolder', undefined)).toEqual({ ok: true, value: '/models/llama' });
    expect(await gate(ev(), 'openDataset', undefined)).toEqual({ ok: true, value: null });
    expect(await gate(ev(), 'saveExportPath', { defaultName: 'adapter' })).toEqual({ ok: true, value: '/out/adapter' });
  });

  it('refuses untrusted senders, unknown dialogs and bad names', async () => {
    const d = fakeDialogs();
    const gate = createDialogGate({ dialogs: d, isTrustedSender: appFrameCheck(() => [mainFrame]), log: quiet });
    expect(await gate(ev({ url: 'https://x.example/', parent: null }), 'openModelFolder', undefined)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await gate(ev(), 'showMessageBox', undefined)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await gate(ev(), 'openDataset', { defaultPath: '/etc' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    for (const bad of [undefined, {}, { defaultName: '' }, { defaultName: '../../.bashrc' }, { defaultName: 'C:\\x' }, { defaultName: 'a', more: 1 }, { defaultName: 'x'.repeat(300) }]) {
      const r = await gate(ev(), 'saveExportPath', bad);
      expect(r.ok, JSON.stringify(bad)).toBe(false);
    }
    expect(d.calls).toEqual([]);
  });

  it('opens the native dialogs attached to the window with the right options', async () => {
    const win = { id: 1 };
    const dialog: DialogModule<typeof win> = {
      showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/picked'] })),
      showSaveDialog: vi.fn(async () => ({ canceled: true, filePath: '' })),
    };
    const d = createDialogs(dialog, () => win);
    expect(await d.openModelFolder()).toBe('/picked');
    expect(dialog.showOpenDialog).toHaveBeenLastCalledWith(win, expect.objectContaining({ properties: ['openDirectory'] }));
    expect(await d.openDataset()).toBe('/picked');
    expect(dialog.showOpenDialog).toHaveBeenLastCalledWith(win, expect.objectContaining({ properties: ['openFile'], filters: expect.arrayContaining([expect.objectContaining({ extensions: expect.arrayContaining(['csv', 'jsonl', 'parquet']) })]) }));
    expect(await d.saveExportPath('card.md')).toBeNull();
    expect(dialog.showSaveDialog).toHaveBeenLastCalledWith(win, expect.objectContaining({ defaultPath: 'card.md' }));
  });
});

describe('app paths', () => {
  it('puts data in userData and runs in <userData>/runs by default', () => {
    const p = resolveAppPaths({ getPath: () => '/home/u/.config/Soft Prompt Studio' }, () => {
      throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    });
    expect(p.dataDir).toBe('/home/u/.config/Soft Prompt Studio');
    expect(p.runsDir).toBe('/home/u/.config/Soft Prompt Studio/runs');
    expect(p.defaultRunsDir).toBe('/home/u/.config/Soft Prompt Studio/runs');
    expect(p.modelsIndex).toBe('/home/u/.config/Soft Prompt Studio/models.json');
    expect(p.settingsFile).toBe('/home/u/.config/Soft Prompt Studio/settings.json');
    expect(p.runsDirFromSettings).toBe(false);
  });

  it('takes the runs folder from the settings when it is an absolute path', () => {
    const read = (s: string) => () => s;
    const custom = resolveAppPaths({ getPath: () => '/d' }, read('{"runsDir":"/big/disk/runs","theme":"dark"}'));
    expect(custom.runsDir).toBe('/big/disk/runs');
    expect(custom.defaultRunsDir).toBe('/d/runs');
    expect(custom.runsDirFromSettings).toBe(true);
    expect(resolveAppPaths({ getPath: () => '/d' }, read('{"runsDir":"relative/runs"}')).runsDir).toBe('/d/runs');
    expect(resolveAppPaths({ getPath: () => '/d' }, read('not json')).runsDir).toBe('/d/runs');
  });
});
