import { describe, expect, it } from 'vitest';
import { probeProviders } from '../../../src/engine/runtime/providers.js';
import { sps } from '../../integration/cli/cli_helpers.js';

describe('execution provider probing', () => {
  it('lists cpu (always available), webgpu, webgpu-software, cuda and dml; an unavailable one says why', async () => {
    const providers = await probeProviders();
    expect(providers.map((p) => p.name).sort()).toEqual(['cpu', 'cuda', 'dml', 'webgpu', 'webgpu-software']);
    expect(providers.find((p) => p.name === 'cpu')?.available).toBe(true);
    for (const p of providers) if (!p.available) expect(p.reason, p.name).toMatch(/\S/);
    // Probed once per process.
    expect(await probeProviders()).toBe(providers);
  });

  it('sps devices prints one line per provider (and JSON lines with --json)', async () => {
    const text = await sps('devices');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cpu\s+available$/m);
    const json = await sps('devices', '--json');
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; available: boolean });
    expect(rows.map((r) => r.name)).toContain('webgpu');
  });

  it('WebGPU works here on exactly one of webgpu (a GPU) or webgpu-software (a software adapter)', async () => {
    const providers = await probeProviders();
    const hw = providers.find((p) => p.name === 'webgpu')!;
    const sw = providers.find((p) => p.name === 'webgpu-software')!;
    expect([hw.available, sw.available].filter(Boolean)).toHaveLength(1);
    const used = hw.available ? hw : sw;
    expect(used.adapter?.kind).toBe(hw.available ? 'gpu' : 'software');
    if (sw.available) expect(sw.explicitOnly).toBe(true);
  });

  it('--device webgpu is refused on a software adapter, before any model loads, saying what to use', async () => {
    const providers = await probeProviders();
    if (providers.find((p) => p.name === 'webgpu')?.available) return; // a real GPU here: nothing to refuse
    const r = await sps('grad', '--model', 'does-not-exist', '--soft-prompt', 'x', '--data', 'x', '--out', 'x', '--device', 'webgpu');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--device.*software renderer.*--device webgpu-software/);
  });
});
