/**
 * Training workers in the desktop app are Electron utility processes, not child_process.fork:
 * the packaged app turns the runAsNode fuse off (electron-builder.yml), and fork() depends on
 * ELECTRON_RUN_AS_NODE. The worker side already speaks process.parentPort (src/worker/port.ts).
 *
 * A utility process cannot take Node loader flags (`--import tsx`), so the entry must be the
 * compiled JavaScript (dist/src/worker/train_worker.js).
 */
import type { Readable } from 'node:stream';
import type { WorkerEntry, WorkerLauncher, WorkerProcess } from '../worker/launcher.js';
import { SpsError } from '../shared/errors.js';
import { withWorkerMallocTunables, type HostLibc } from '../worker/malloc_tunables.js';

/** The parts of Electron's UtilityProcess the launcher uses. */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'spawn', listener: () => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
}

export interface UtilityProcessModule {
  fork(modulePath: string, args: string[], options: { stdio: 'pipe'; serviceName: string; env: NodeJS.ProcessEnv }): UtilityProcessLike;
}

export function createUtilityProcessLauncher(
  utilityProcess: UtilityProcessModule,
  opts: { serviceName?: string; killPid?: (pid: number, signal: NodeJS.Signals) => void; libc?: HostLibc } = {},
): WorkerLauncher {
  const serviceName = opts.serviceName ?? 'Soft Prompt Studio training';
  const killPid = opts.killPid ?? ((pid, signal) => process.kill(pid, signal));
  return (entry: WorkerEntry, env: NodeJS.ProcessEnv): WorkerProcess => {
    if (entry.execArgv.length > 0 || !/\.(c|m)?js$/.test(entry.path)) {
      throw new SpsError('INTERNAL', `the desktop app runs the compiled worker, not ${entry.path}`, {
        location: { file: entry.path },
        hint: 'run `npm run build` and start the app from dist/ (utility processes take no loader flags such as --import tsx)',
      });
    }
    // glibc's malloc tuned as for Node workers (src/worker/malloc_tunables.ts). Not verified here
    // (no Electron binary): it takes effect if Electron execs the utility process with this
    // environment rather than forking it from a zygote that started without it.
    const child = utilityProcess.fork(entry.path, [], { stdio: 'pipe', serviceName: entry.name ?? serviceName, env: withWorkerMallocTunables(env, opts.libc) });
    // Messages posted before the process has spawned are queued here and flushed on 'spawn';
    // after exit they are dropped (as forkLauncher does when the channel is closed).
    let state: 'starting' | 'running' | 'exited' = 'starting';
    let queue: unknown[] = [];
    let requestedSignal: NodeJS.Signals | null = null;
    const outputHandlers: ((chunk: Buffer) => void)[] = [];
    child.on('spawn', () => {
      if (state !== 'starting') return;
      state = 'running';
      const pending = queue;
      queue = [];
      for (const m of pending) child.postMessage(m);
    });
    child.on('exit', () => {
      state = 'exited';
      queue = [];
    });
    // A utility process's fatal error; without a listener EventEmitter would throw in main.
    child.on('error', (type, location, report) => {
      const line = Buffer.from(`[utility process error] ${type} at ${location}${report ? `\n${report}` : ''}\n`);
      for (const h of outputHandlers) h(line);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (state === 'running') child.postMessage(message);
        else if (state === 'starting') queue.push(message);
      },
      onMessage(handler) {
        child.on('message', (m) => handler(m));
      },
      onOutput(handler) {
        outputHandlers.push(handler);
        child.stdout?.on('data', (c: Buffer) => handler(c));
        child.stderr?.on('data', (c: Buffer) => handler(c));
      },
      onExit(handler) {
        child.on('exit', (code) => handler(requestedSignal === null ? code : null, requestedSignal));
      },
      kill(signal: NodeJS.Signals = 'SIGTERM') {
        if (state === 'exited') return;
        requestedSignal = signal;
        // UtilityProcess.kill() takes no signal (SIGTERM on POSIX, TerminateProcess on Windows);
        // SIGKILL goes to the pid directly when there is one.
        if (signal === 'SIGKILL' && child.pid !== undefined && process.platform !== 'win32') {
          try {
            killPid(child.pid, 'SIGKILL');
            return;
          } catch {
            // fall through to kill()
          }
        }
        child.kill();
      },
    };
  };
}
