import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useTempDir } from '../../helpers/fixtures.js';
import { expectOneLineError, sps } from './cli_helpers.js';

describe('sps cache info|clear', () => {
  const tmp = useTempDir('sps-cli-cache-');
  let saved: string | undefined;
  beforeEach(() => (saved = process.env.SPS_TOKEN_CACHE));
  afterEach(() => {
    if (saved === undefined) delete process.env.SPS_TOKEN_CACHE;
    else process.env.SPS_TOKEN_CACHE = saved;
  });

  it('shows the folder, entries and limit; clear deletes the entries', async () => {
    const dir = join(tmp(), 'tokens');
    process.env.SPS_TOKEN_CACHE = dir;
    for (const key of ['a', 'b']) {
      mkdirSync(join(dir, key), { recursive: true });
      writeFileSync(join(dir, key, 'tokens.bin'), Buffer.alloc(1000));
      writeFileSync(join(dir, key, 'meta.json'), '{}');
    }
    const info = await sps('cache', 'info', '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ dir, dirSource: 'env', entries: 2, bytes: 2004, maxBytes: 1e9 });
    expect((await sps('cache', 'info')).stdout).toContain(`${dir} (SPS_TOKEN_CACHE)\n2 entries`);

    const cleared = await sps('cache', 'clear');
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^removed 2 entries/);
    expect(JSON.parse((await sps('cache', 'info', '--json')).stdout)).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('an unknown action is a one-line error saying what to use', async () => {
    const r = await sps('cache', 'wipe');
    expect(r.code).not.toBe(0);
    expectOneLineError(r.stderr);
    expect(r.stderr).toMatch(/unknown cache action "wipe".*sps cache info/);
  });
});
