import { describe, expect, it } from 'vitest';
import { probeProviders } from '../../../src/engine/runtime/providers.js';
import { sps } from '../../integration/cli/cli_helpers.js';

describe('execution provider probing', () => {
  it('lists cpu (always available), webgpu, cuda and dml; an unavailable one says why', async () => {
    const providers = await probeProviders();
    expect(providers.map((p) => p.name).sort()).toEqual(['cpu', 'cuda', 'dml', 'webgpu']);
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
});
