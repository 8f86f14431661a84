/**
 * glibc malloc settings for the engine's worker processes (training, inference, sweeps).
 *
 * Why: onnxruntime-node copies every session output into a fresh V8 ArrayBuffer (calloc), and
 * a layer-wise train step hands over ~750 MB of such outputs per step on a SmolLM2-135M shape
 * (the forward's saved products, ~25 MB per layer). With glibc's defaults, blocks over the
 * (dynamic) mmap threshold are mmapped and unmapped on free, and freed heap tops are trimmed
 * back to the OS, so the next step faults the same memory in again: ~400k minor page faults
 * and 150–230 ms of a 4.4 s step (bench/README.md, "Allocator churn"). Keeping freed blocks in
 * the process lets the next step reuse them:
 *   - mmap_threshold=4 GiB: blocks are carved from the heap instead of mmapped one by one;
 *   - trim_threshold=4 GiB: free memory at the heap's top is not given back (no trimming);
 *   - top_pad=256 MiB: the heap grows in large steps (fewer brk calls, fewer first touches).
 * The cost is memory that stays mapped after a peak; the peak itself is what it was (measured
 * in bench/README.md). glibc reads GLIBC_TUNABLES once, when a process starts (ld.so), so they
 * are set in the environment a worker is started with; an in-process `setenv` would do nothing.
 */
export const WORKER_MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295:glibc.malloc.top_pad=268435456';

/** What decides whether the settings apply: they are glibc's, so Linux with glibc only (not musl, macOS or Windows). */
export interface HostLibc {
  platform: NodeJS.Platform;
  /** glibc's version when the process runs on glibc, else undefined. */
  glibcVersion: string | undefined;
}

let detected: HostLibc | undefined;

/** This process's platform and C library (Node's diagnostic report names glibc's runtime version). */
export function hostLibc(): HostLibc {
  if (!detected) {
    let glibcVersion: string | undefined;
    if (process.platform === 'linux') {
      const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
      glibcVersion = header?.glibcVersionRuntime;
    }
    detected = { platform: process.platform, glibcVersion };
  }
  return detected;
}

/**
 * The environment to start a worker with: `env` plus WORKER_MALLOC_TUNABLES on Linux with
 * glibc. A GLIBC_TUNABLES already in `env` (the user's, even an empty one to keep glibc's
 * defaults) is left as it is.
 */
export function withWorkerMallocTunables(env: NodeJS.ProcessEnv, libc: HostLibc = hostLibc()): NodeJS.ProcessEnv {
  if (libc.platform !== 'linux' || libc.glibcVersion === undefined || env.GLIBC_TUNABLES !== undefined) return env;
  return { ...env, GLIBC_TUNABLES: WORKER_MALLOC_TUNABLES };
}
