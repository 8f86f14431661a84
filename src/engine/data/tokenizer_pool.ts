import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SpsError } from '../../shared/errors.js';
import type { TextTokenizer } from '../models/tokenizer.js';
import { tokenizeExamples, type TokenizedBatch, type TokenizeReply, type TokenizeRequest } from './tokenize_batch.js';

/**
 * Tokenizes batches of examples in worker threads, one tokenizer per thread (the tokenizer
 * is pure JavaScript and single-threaded). Results are identical to tokenizing on the calling
 * thread: each example is tokenized on its own, and batches come back keyed by example.
 * With 0 threads it tokenizes inline.
 */
export class TokenizerPool {
  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly pending = new Map<number, { resolve: (b: TokenizedBatch) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 1;
  private failed: Error | undefined;

  private constructor(
    private readonly inline: TextTokenizer | undefined,
    modelDir: string,
    threads: number,
  ) {
    for (let w = 0; w < threads; w++) {
      const worker = startThread(modelDir);
      worker.on('message', (reply: TokenizeReply) => this.onReply(reply));
      worker.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a tokenizer thread exited with code ${code}`));
      });
      worker.unref();
      this.workers.push(worker);
      this.busy.push(0);
    }
  }

  /** Threads for tokenization: the machine's cores minus one for the trainer, at least one. */
  static defaultThreads(): number {
    return Math.max(1, Math.min(8, availableParallelism() - 1));
  }

  static create(tokenizer: TextTokenizer, modelDir: string, threads = TokenizerPool.defaultThreads()): TokenizerPool {
    return threads <= 0 ? new TokenizerPool(tokenizer, modelDir, 0) : new TokenizerPool(undefined, modelDir, threads);
  }

  get threads(): number {
    return this.workers.length;
  }

  /** Batches in flight on the least busy thread (to keep every thread fed without queuing too much). */
  get inFlight(): number {
    return this.pending.size;
  }

  tokenize(items: TokenizeRequest['items']): Promise<TokenizedBatch> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.inline) {
      try {
        return Promise.resolve(tokenizeExamples(this.inline, items));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    let w = 0;
    for (let k = 1; k < this.workers.length; k++) if (this.busy[k]! < this.busy[w]!) w = k;
    const id = this.nextId++;
    this.busy[w]!++;
    return new Promise<TokenizedBatch>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      this.workers[w]!.ref();
      this.workers[w]!.postMessage({ id, items } satisfies TokenizeRequest);
    });
  }

  private onReply(reply: TokenizeReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    this.busy[p.worker]!--;
    if (this.busy[p.worker] === 0) this.workers[p.worker]!.unref();
    if ('error' in reply) {
      const e = reply.error;
      p.reject(new SpsError(e.code, e.message, { ...(e.location ? { location: e.location } : {}), ...(e.hint ? { hint: e.hint } : {}) }));
    } else p.resolve(reply);
  }

  private fail(err: Error): void {
    this.failed ??= new SpsError('INTERNAL', `tokenization failed: ${err.message}`);
    for (const p of this.pending.values()) p.reject(this.failed);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failed ??= new SpsError('INTERNAL', 'the tokenizer pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** The thread entry next to this file: .ts under tsx / vitest (loaded through tsx), .js when built. */
function startThread(modelDir: string): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new Worker(join(dirname(here), 'tokenize_thread.js'), { workerData: { modelDir } });
  const entry = pathToFileURL(join(dirname(here), 'tokenize_thread.ts')).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: { modelDir } });
}
