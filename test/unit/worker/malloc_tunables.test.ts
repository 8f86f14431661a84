import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forkLauncher } from '../../../src/worker/launcher.js';
import { hostLibc, withWorkerMallocTunables, WORKER_MALLOC_TUNABLES, type HostLibc } from '../../../src/worker/malloc_tunables.js';

const GLIBC: HostLibc = { platform: 'linux', glibcVersion: '2.36' };

describe('the workers\' malloc tunables', () => {
  it('are added on Linux with glibc, keeping the rest of the environment', () => {
    const env = { PATH: '/usr/bin', SPS_X: '1' };
    expect(withWorkerMallocTunables(env, GLIBC)).toEqual({ PATH: '/usr/bin', SPS_X: '1', GLIBC_TUNABLES: WORKER_MALLOC_TUNABLES });
    // The caller's object is not changed.
    expect(env).toEqual({ PATH: '/usr/bin', SPS_X: '1' });
    // Each a glibc.malloc tunable (glibc ignores unknown names silently, so a typo would go unseen).
    for (const t of WORKER_MALLOC_TUNABLES.split(':')) expect(t).toMatch(/^glibc\.malloc\.(mmap_threshold|trim_threshold|top_pad)=\d+$/);
  });

  it('leave a GLIBC_TUNABLES the user set as it is, even an empty one', () => {
    expect(withWorkerMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, GLIBC)).toEqual({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
    expect(withWorkerMallocTunables({ GLIBC_TUNABLES: '' }, GLIBC)).toEqual({ GLIBC_TUNABLES: '' });
  });

  it('are not added without glibc (musl Linux, macOS, Windows)', () => {
    expect(withWorkerMallocTunables({ A: '1' }, { platform: 'linux', glibcVersion: undefined })).toEqual({ A: '1' });
    expect(withWorkerMallocTunables({ A: '1' }, { platform: 'darwin', glibcVersion: undefined })).toEqual({ A: '1' });
    expect(withWorkerMallocTunables({ A: '1' }, { platform: 'win32', glibcVersion: undefined })).toEqual({ A: '1' });
  });

  it('detect this process\'s C library', () => {
    const libc = hostLibc();
    expect(libc.platform).toBe(process.platform);
    if (process.platform !== 'linux') expect(libc.glibcVersion).toBeUndefined();
    else expect(libc.glibcVersion === undefined || /^\d+\.\d+/.test(libc.glibcVersion)).toBe(true);
  });

  it('reach a worker started by the Node launcher (the CLI\'s, the web server\'s)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sps-malloc-'));
    try {
      const script = join(dir, 'echo_env.mjs');
      writeFileSync(script, 'process.send({ tunables: process.env.GLIBC_TUNABLES ?? null }, () => process.exit(0));\n');
      const { GLIBC_TUNABLES: _, ...env } = process.env;
      const got = await new Promise<unknown>((resolve) => forkLauncher({ path: script, execArgv: [] }, env).onMessage(resolve));
      const expected = hostLibc().glibcVersion !== undefined && process.platform === 'linux' ? WORKER_MALLOC_TUNABLES : null;
      expect(got).toEqual({ tunables: expected });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
