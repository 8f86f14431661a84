import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpsError } from '../../../../src/shared/errors.js';
import { inspectModel } from '../../../../src/engine/models/inspect_model.js';
import { InferencePool } from '../../../../src/worker/inference/pool.js';
import { storiesModelDir } from '../../../helpers/fixtures.js';

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('InferencePool', () => {
  let pool: InferencePool | undefined;
  afterEach(async () => {
    await pool?.shutdown();
    pool = undefined;
  });

  it('answers with the engine result; an error comes back worded exactly as in-process', async () => {
    pool = new InferencePool();
    const model = storiesModelDir();
    const entry = await pool.call('', 'inspectModel', { path: model, addedAt: 'then' });
    expect(entry).toEqual(inspectModel(model, 'then'));
    const missing = join(model, 'no-such-folder');
    let inProcess: SpsError | undefined;
    try {
      inspectModel(missing);
    } catch (err) {
      inProcess = err as SpsError;
    }
    const remote = (await pool.call('', 'inspectModel', { path: missing }).catch((e: unknown) => e)) as SpsError;
    expect(remote).toBeInstanceOf(SpsError);
    expect({ code: remote.code, message: remote.message, hint: remote.hint, location: remote.location }).toEqual({ code: inProcess!.code, message: inProcess!.message, hint: inProcess!.hint, location: inProcess!.location });
  }, 60_000);

  it('an idle worker exits after idleMs; the next call starts a new one', async () => {
    pool = new InferencePool({ idleMs: 200 });
    await pool.call('', 'inspectModel', { path: storiesModelDir() });
    const pid = pool.pids().get('');
    expect(alive(pid)).toBe(true);
    await until(() => !alive(pid) && pool!.pids().size === 0, 'the idle worker to exit');
    await pool.call('', 'inspectModel', { path: storiesModelDir() });
    expect(pool.pids().get('')).not.toBe(pid);
  }, 60_000);

  it('keeps at most maxWorkers warm, evicting the least recently used idle one', async () => {
    pool = new InferencePool({ maxWorkers: 1 });
    const model = storiesModelDir();
    await pool.call(model, 'inspectModel', { path: model });
    const first = pool.pids().get(model);
    await pool.call('', 'inspectModel', { path: model });
    expect([...pool.pids().keys()]).toEqual(['']);
    await until(() => !alive(first), 'the evicted worker to exit');
  }, 60_000);

  it('evicts idle workers when the memory budget or the free memory would be exceeded', async () => {
    const model = storiesModelDir();
    pool = new InferencePool({ maxWorkers: 8, memoryBudgetBytes: 1 });
    await pool.call(model, 'inspectModel', { path: model });
    await pool.call('', 'inspectModel', { path: model });
    expect([...pool.pids().keys()]).toEqual(['']);
    await pool.shutdown();
    let free = 64 * 2 ** 30;
    pool = new InferencePool({ maxWorkers: 8, freeMemory: () => free });
    await pool.call(model, 'inspectModel', { path: model });
    await pool.call('', 'inspectModel', { path: model });
    expect(pool.pids().size).toBe(2);
    free = 1;
    await pool.call(`${model}/`, 'inspectModel', { path: model });
    expect([...pool.pids().keys()]).toEqual([`${model}/`]);
  }, 90_000);

  it('a worker that dies fails its pending calls with WORKER_CRASHED', async () => {
    pool = new InferencePool();
    const call = pool.call('', 'runtimeInfo', {});
    process.kill(pool.pids().get('')!, 'SIGKILL');
    await expect(call).rejects.toMatchObject({ code: 'WORKER_CRASHED', message: expect.stringMatching(/killed by SIGKILL/) });
    expect(pool.pids().size).toBe(0);
    const info = await pool.call('', 'runtimeInfo', {});
    expect(info.providers.find((p) => p.name === 'cpu')).toEqual({ name: 'cpu', available: true });
  }, 60_000);
});
