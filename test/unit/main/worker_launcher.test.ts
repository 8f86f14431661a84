import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createUtilityProcessLauncher, type UtilityProcessModule } from '../../../src/main/worker_launcher.js';
import { WORKER_MALLOC_TUNABLES } from '../../../src/worker/malloc_tunables.js';
import { startTrainingWorker } from '../../../src/worker/supervisor.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = undefined;
  stdout = new PassThrough();
  stderr = new PassThrough();
  posted: unknown[] = [];
  killed = 0;
  postMessage(m: unknown) {
    this.posted.push(m);
  }
  kill() {
    this.killed++;
    queueMicrotask(() => this.emit('exit', 0));
    return true;
  }
  spawn(pid = 4242) {
    this.pid = pid;
    this.emit('spawn');
  }
}

function fakeModule() {
  const forks: { path: string; args: string[]; options: unknown; child: FakeUtilityProcess }[] = [];
  const mod: UtilityProcessModule = {
    fork(path, args, options) {
      const child = new FakeUtilityProcess();
      forks.push({ path, args, options, child });
      return child;
    },
  };
  return { mod, forks };
}

const entry = { path: '/app/dist/src/worker/train_worker.js', execArgv: [] };

describe('the utilityProcess launcher', () => {
  it('forks the compiled entry with piped stdio, a service name and the env', () => {
    const { mod, forks } = fakeModule();
    createUtilityProcessLauncher(mod, { libc: { platform: 'darwin', glibcVersion: undefined } })(entry, { SPS_X: '1' });
    expect(forks).toHaveLength(1);
    expect(forks[0]!.path).toBe(entry.path);
    expect(forks[0]!.args).toEqual([]);
    expect(forks[0]!.options).toEqual({ stdio: 'pipe', serviceName: 'Soft Prompt Studio training', env: { SPS_X: '1' } });
  });

  it('starts the worker with glibc malloc tuned on Linux with glibc, unless the user set GLIBC_TUNABLES', () => {
    const { mod, forks } = fakeModule();
    const launch = createUtilityProcessLauncher(mod, { libc: { platform: 'linux', glibcVersion: '2.36' } });
    launch(entry, { SPS_X: '1' });
    launch(entry, { SPS_X: '1', GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' });
    expect((forks[0]!.options as { env: NodeJS.ProcessEnv }).env).toEqual({ SPS_X: '1', GLIBC_TUNABLES: WORKER_MALLOC_TUNABLES });
    expect((forks[1]!.options as { env: NodeJS.ProcessEnv }).env).toEqual({ SPS_X: '1', GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' });
  });

  it('refuses TypeScript entries and loader flags (utility processes take none)', () => {
    const { mod, forks } = fakeModule();
    const launch = createUtilityProcessLauncher(mod);
    expect(() => launch({ path: '/src/worker/train_worker.ts', execArgv: ['--import', 'tsx'] }, {})).toThrow(/npm run build/);
    expect(forks).toHaveLength(0);
  });

  it('queues messages until spawn, relays messages, output and pid, drops sends after exit', async () => {
    const { mod, forks } = fakeModule();
    const w = createUtilityProcessLauncher(mod)(entry, {});
    const child = forks[0]!.child;
    w.send({ type: 'start' });
    expect(child.posted).toEqual([]);
    expect(w.pid).toBeUndefined();
    child.spawn(77);
    expect(child.posted).toEqual([{ type: 'start' }]);
    expect(w.pid).toBe(77);
    w.send({ type: 'command' });
    expect(child.posted).toHaveLength(2);

    const messages: unknown[] = [];
    w.onMessage((m) => messages.push(m));
    child.emit('message', { type: 'event', event: { type: 'paused', step: 3 } });
    expect(messages).toEqual([{ type: 'event', event: { type: 'paused', step: 3 } }]);

    const out: string[] = [];
    w.onOutput((c) => out.push(c.toString()));
    child.stdout.write('hello\n');
    child.stderr.write('warn\n');
    child.emit('error', 'FatalError', 'v8::Foo', '');
    await new Promise((r) => setImmediate(r));
    expect(out.join('')).toContain('hello');
    expect(out.join('')).toContain('warn');
    expect(out.join('')).toContain('FatalError');

    const exits: unknown[] = [];
    w.onExit((code, signal) => exits.push([code, signal]));
    child.emit('exit', 3);
    expect(exits).toEqual([[3, null]]);
    w.send({ type: 'late' });
    expect(child.posted).toHaveLength(2);
  });

  it('kills: SIGTERM through kill(), SIGKILL to the pid, reported as the signal', async () => {
    const { mod, forks } = fakeModule();
    const killPid = vi.fn();
    const launch = createUtilityProcessLauncher(mod, { killPid });
    const a = launch(entry, {});
    forks[0]!.child.spawn(10);
    const exits: unknown[] = [];
    a.onExit((code, signal) => exits.push([code, signal]));
    a.kill();
    await new Promise((r) => setImmediate(r));
    expect(forks[0]!.child.killed).toBe(1);
    expect(exits).toEqual([[null, 'SIGTERM']]);

    const b = launch(entry, {});
    forks[1]!.child.spawn(11);
    b.kill('SIGKILL');
    if (process.platform !== 'win32') expect(killPid).toHaveBeenCalledWith(11, 'SIGKILL');
  });

  it('works under the real supervisor: start message, events, crash → failed run', async () => {
    const { mod, forks } = fakeModule();
    const runDir = mkdtempSync(join(tmpdir(), 'sps-launcher-'));
    const events: unknown[] = [];
    const launch = createUtilityProcessLauncher(mod);
    // Under vitest the supervisor names the .ts entry; the built app names the .js one.
    const launcher: typeof launch = (e, env) => launch({ path: e.path.replace(/\.ts$/, '.js'), execArgv: [] }, env);
    const h = startTrainingWorker(runDir, { resume: false, onEvent: (e) => events.push(e), launcher });
    const child = forks[0]!.child;
    expect(forks[0]!.path).toMatch(/train_worker\.js$/);
    child.spawn(5);
    expect(child.posted).toEqual([{ type: 'start', runDir, resume: false }]);
    child.emit('message', { type: 'event', event: { type: 'paused', step: 1 } });
    child.emit('exit', 9);
    const exit = await h.done;
    expect(exit.code).toBe(9);
    expect(events[0]).toEqual({ type: 'paused', step: 1 });
    expect(events[1]).toMatchObject({ type: 'failed', error: { code: 'WORKER_CRASHED' } });
  });
});
