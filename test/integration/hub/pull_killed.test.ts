import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoCacheDir } from '../../../src/engine/hub/cache_dir.js';
import { pullModel } from '../../../src/engine/hub/pull.js';
import { modelRepo, sha256, startFakeHub, type FakeHub } from '../../helpers/fake_hub.js';
import { randomBytes, tempDir, testConn } from './hub_test_helpers.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const WEIGHTS = randomBytes(1_500_000, 7);
const REPO = 'org/killed';

let hub: FakeHub;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  hub = await startFakeHub([modelRepo(REPO, WEIGHTS)]);
  tmp = tempDir('sps-pull-kill-');
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});

it('a download killed mid-file (SIGKILL) resumes from the partial file in the next run', async () => {
  const cache = join(tmp.dir, 'hub');
  const partialPath = join(repoCacheDir(cache, REPO), 'blobs', `${sha256(WEIGHTS)}.incomplete`);
  hub.faults.throttle = { path: 'model.safetensors', bytesPerSecond: 300_000 };
  // `sps models pull` in its own process, as a user runs it.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'sps.ts'), 'models', 'pull', REPO, '--json'], {
    cwd: root,
    env: { ...process.env, HF_ENDPOINT: hub.url, HF_HUB_CACHE: cache, SPS_DATA_DIR: join(tmp.dir, 'data'), HF_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => void (output += d.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((done) => child.on('exit', (code, signal) => done(signal ?? code)));
  const until = Date.now() + 60_000;
  while (!(existsSync(partialPath) && statSync(partialPath).size > 200_000)) {
    if (Date.now() > until) throw new Error(`the child never got 200 KB into the file; it printed:\n${output}`);
    if (child.exitCode !== null) throw new Error(`the child exited early (${child.exitCode}):\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const partial = statSync(partialPath).size;
  expect(partial).toBeGreaterThan(200_000);
  expect(partial).toBeLessThan(WEIGHTS.length);
  expect(output).toContain('"phase":"downloading"');

  // The second run (here in-process) asks only for the rest of the file.
  hub.faults = {};
  hub.log.length = 0;
  const res = await pullModel({ repoId: REPO, cacheDir: cache, conn: testConn(hub.url) });
  expect(readFileSync(join(res.snapshotDir, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
  const cdn = hub.log.filter((r) => r.url.startsWith('/cdn/'));
  expect(cdn.map((r) => [r.range, r.status])).toEqual([[`bytes=${partial}-`, 206]]);
  expect(res.fetchedBytes).toBe(WEIGHTS.length - partial);
}, 90_000);
