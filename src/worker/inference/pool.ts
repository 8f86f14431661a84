import { freemem, totalmem } from 'node:os';
import { SpsError } from '../../shared/errors.js';
import { safetensorsBytes } from '../../engine/models/inspect_model.js';
import { forkLauncher, inferenceWorkerEntry, type WorkerLauncher, type WorkerProcess } from '../launcher.js';
import type { InferenceToParent, OpName, OpReq, OpRes, ParentToInference } from './protocol.js';

/** What a worker costs before it has loaded anything: Node, onnxruntime, the tokenizer. */
const BASE_BYTES = 150 * 1024 * 1024;
const OUTPUT_LINES = 20;

export interface InferencePoolOptions {
  /** How workers start (Electron: utility processes); default Node child processes. */
  launcher?: WorkerLauncher;
  /** Added to process.env for the workers. */
  env?: NodeJS.ProcessEnv;
  /** A worker with no call for this long exits (default 5 minutes). */
  idleMs?: number;
  /** Warm workers at most (default 3); the least recently used idle one makes room. */
  maxWorkers?: number;
  /** Memory the warm workers may hold together (default half of the machine's memory). */
  memoryBudgetBytes?: number;
  /** Free memory now (tests inject it); default os.freemem. */
  freeMemory?: () => number;
}

export interface CallOptions {
  /** Aborting asks the worker to end the call early (generation stops after the current token). */
  signal?: AbortSignal;
  onToken?: (token: number, delta: string) => void;
  onProgress?: (p: Extract<InferenceToParent, { type: 'progress' }>['progress']) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onToken: ((token: number, delta: string) => void) | undefined;
  onProgress: CallOptions['onProgress'];
}

interface Pooled {
  key: string;
  proc: WorkerProcess;
  pending: Map<number, Pending>;
  lastUsed: number;
  /** Measured resident memory (after its last call), else the estimate. */
  bytes: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Out of the pool: no new calls; it exits when its calls are answered. */
  retired: boolean;
  output: string[];
}

/**
 * Inference worker processes, one per model folder, kept warm between calls. An idle worker
 * exits after idleMs; starting one more evicts the least recently used idle workers while
 * the count or the memory (measured per worker, and the machine's free memory) would go over
 * the limits. A worker that dies fails its calls with WORKER_CRASHED; the next call starts a
 * fresh one.
 */
export class InferencePool {
  private readonly workers = new Map<string, Pooled>();
  private readonly all = new Set<Pooled>();
  private nextCallId = 1;
  private closed = false;
  private readonly idleMs: number;
  private readonly maxWorkers: number;
  private readonly budget: number;
  private readonly freeMemory: () => number;

  constructor(private readonly opts: InferencePoolOptions = {}) {
    this.idleMs = opts.idleMs ?? 5 * 60_000;
    this.maxWorkers = Math.max(1, opts.maxWorkers ?? 3);
    this.budget = opts.memoryBudgetBytes ?? totalmem() / 2;
    this.freeMemory = opts.freeMemory ?? freemem;
  }

  /** Runs one operation in the worker of `key` (a model folder; '' for calls tied to no model). */
  call<K extends OpName>(key: string, op: K, req: OpReq<K>, opts: CallOptions = {}): Promise<OpRes<K>> {
    if (this.closed) return Promise.reject(new SpsError('INVALID_ARGUMENT', 'the app is shutting down', { hint: 'try again after the restart' }));
    const w = this.workerFor(key);
    const callId = this.nextCallId++;
    clearTimeout(w.idleTimer);
    w.idleTimer = undefined;
    return new Promise<OpRes<K>>((resolve, reject) => {
      w.pending.set(callId, { resolve: resolve as (v: unknown) => void, reject, onToken: opts.onToken, onProgress: opts.onProgress });
      w.proc.send({ type: 'call', callId, op, req } satisfies ParentToInference);
      if (opts.signal) {
        const cancel = () => w.proc.send({ type: 'cancel', callId } satisfies ParentToInference);
        if (opts.signal.aborted) cancel();
        else opts.signal.addEventListener('abort', cancel, { once: true });
      }
    });
  }

  /** Drops the warm worker of `key` (its model folder changed); running calls finish first. */
  forget(key: string): void {
    const w = this.workers.get(key);
    if (w) this.retire(w);
  }

  /** The live workers' process ids by key (diagnostics and tests). */
  pids(): Map<string, number | undefined> {
    return new Map([...this.workers].map(([k, w]) => [k, w.proc.pid]));
  }

  /** Ends every worker; calls still running fail with "shutting down". */
  async shutdown(timeoutMs = 5000): Promise<void> {
    this.closed = true;
    const exits = [...this.all].map((w) => new Promise<void>((r) => w.proc.onExit(() => r())));
    for (const w of this.all) {
      this.failAll(w, new SpsError('INVALID_ARGUMENT', 'the app is shutting down', { hint: 'try again after the restart' }));
      this.retire(w);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([Promise.all(exits).then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (timedOut) for (const w of this.all) w.proc.kill('SIGKILL');
  }

  private workerFor(key: string): Pooled {
    const existing = this.workers.get(key);
    if (existing) return existing;
    const estimate = BASE_BYTES + (key ? safetensorsBytes(key) : 0);
    this.makeRoom(estimate);
    return this.spawn(key, estimate);
  }

  private used(): number {
    let sum = 0;
    for (const w of this.workers.values()) sum += w.bytes;
    return sum;
  }

  /** Evicts idle workers, least recently used first, until `extra` more bytes fit. */
  private makeRoom(extra: number): void {
    const idle = [...this.workers.values()].filter((w) => w.pending.size === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const w of idle) {
      const over = this.workers.size >= this.maxWorkers || this.used() + extra > this.budget || this.freeMemory() < extra;
      if (!over) break;
      this.retire(w);
    }
  }

  private spawn(key: string, estimate: number): Pooled {
    const proc = (this.opts.launcher ?? forkLauncher)(inferenceWorkerEntry(), { ...process.env, ...this.opts.env });
    const w: Pooled = { key, proc, pending: new Map(), lastUsed: Date.now(), bytes: estimate, idleTimer: undefined, retired: false, output: [] };
    this.workers.set(key, w);
    this.all.add(w);
    proc.onOutput((chunk) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) w.output.push(line);
      w.output.splice(0, Math.max(0, w.output.length - OUTPUT_LINES));
    });
    proc.onMessage((raw) => this.onMessage(w, raw as InferenceToParent));
    proc.onExit((code, signal) => {
      this.all.delete(w);
      if (this.workers.get(key) === w) this.workers.delete(key);
      clearTimeout(w.idleTimer);
      if (w.pending.size === 0) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = w.output.at(-1);
      this.failAll(
        w,
        new SpsError('WORKER_CRASHED', `the inference worker${key ? ` for ${key}` : ''} ${how}${last ? ` (last output: ${last})` : ''}`, {
          hint: 'the app keeps running; try again (a fresh worker starts), or with a smaller model or input if it ran out of memory',
        }),
      );
    });
    return w;
  }

  private onMessage(w: Pooled, m: InferenceToParent): void {
    if (m.type === 'memory') {
      w.bytes = m.rss;
      return;
    }
    const p = w.pending.get(m.callId);
    if (!p) return;
    if (m.type === 'token') {
      p.onToken?.(m.token, m.delta);
      return;
    }
    if (m.type === 'progress') {
      p.onProgress?.(m.progress);
      return;
    }
    w.pending.delete(m.callId);
    w.lastUsed = Date.now();
    if (m.type === 'result') p.resolve(m.value);
    else p.reject(SpsError.fromJSON(m.error));
    if (w.pending.size === 0) this.onIdle(w);
  }

  private onIdle(w: Pooled): void {
    if (w.retired) {
      w.proc.kill('SIGTERM');
      return;
    }
    clearTimeout(w.idleTimer);
    w.idleTimer = setTimeout(() => this.retire(w), this.idleMs);
    w.idleTimer.unref?.();
  }

  private retire(w: Pooled): void {
    w.retired = true;
    clearTimeout(w.idleTimer);
    if (this.workers.get(w.key) === w) this.workers.delete(w.key);
    if (w.pending.size === 0) w.proc.kill('SIGTERM');
  }

  private failAll(w: Pooled, err: SpsError): void {
    const pending = [...w.pending.values()];
    w.pending.clear();
    for (const p of pending) p.reject(err);
  }
}
