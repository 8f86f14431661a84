import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiEvents, EventName } from '../../../src/shared/api.js';
import { JOB_DEFAULTS, type JobConfig } from '../../../src/shared/job.js';
import { createServices, type Services, type ServicesOptions } from '../../../src/services/index.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SENTIMENT_CSV = join(repoRoot, 'resources', 'samples', 'sentiment.csv');

export type Recorded = { event: EventName; payload: ApiEvents[EventName] };

export interface TestServices {
  services: Services;
  events: Recorded[];
  /** Resolves with the first recorded event (past or future) that matches. */
  waitEvent<E extends EventName>(event: E, pred: (p: ApiEvents[E]) => boolean, what: string, timeoutMs?: number): Promise<ApiEvents[E]>;
}

export function makeServices(dataDir: string, extra: Partial<ServicesOptions> = {}, onEvent?: (r: Recorded) => void): TestServices {
  const events: Recorded[] = [];
  const services = createServices({
    dataDir,
    mode: 'web',
    // Web mode reads only under allowed roots: the test model and the tests' temp folders.
    allowDirs: [dirname(storiesModelDir()), tmpdir()],
    emit: (event, payload) => {
      const r = { event, payload } as Recorded;
      events.push(r);
      onEvent?.(r);
    },
    shutdownTimeoutMs: 15_000,
    // Never the machine's own Hugging Face cache: the model list stays what the test made.
    hfCacheDir: join(dataDir, 'hf-cache'),
    ...extra,
  });
  return {
    services,
    events,
    waitEvent: async (event, pred, what, timeoutMs = 30_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find((e) => e.event === event && pred(e.payload as never));
        if (hit) return hit.payload as never;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}; saw ${events.map((e) => e.event === 'jobs.event' ? `${(e.payload as ApiEvents['jobs.event']).id}:${(e.payload as ApiEvents['jobs.event']).event.type}` : e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** A small, fast classification job on the sentiment sample with stories260K. */
export function sentimentJob(training: Partial<JobConfig['training']> = {}): JobConfig {
  return {
    version: 1,
    model: { path: storiesModelDir() },
    data: { train: SENTIMENT_CSV, validationFraction: 0.1 },
    task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
    prompt: { numVirtualTokens: 4, init: 'random' },
    training: { ...JOB_DEFAULTS.training, batchSize: 2, steps: 4, evalEvery: 2, checkpointEvery: 2, learningRate: 0.3, ...training },
    device: 'cpu',
  };
}

export async function waitFor(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
