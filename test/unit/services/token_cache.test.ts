import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../../src/shared/api.js';
import { dispatch } from '../../../src/services/index.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { makeServices, sentimentJob } from './service_helpers.js';

describe('services: the token cache (Settings → Token cache)', () => {
  const tmp = useTempDir('sps-services-token-cache-');

  it('shows the folder the workers use and its limit; validation fills it; clearing empties it but keeps an entry in use', async () => {
    const cache = join(tmp(), 'tokens');
    const { services } = makeServices(join(tmp(), 'data'), { workerEnv: { SPS_TOKEN_CACHE: cache, SPS_TOKEN_CACHE_MAX_GB: '3' } });
    try {
      const h = services.handlers;
      expect(await h['system.tokenCache']({})).toEqual({ dir: cache, dirSource: 'env', maxBytes: 3e9, bytes: 0, entries: 0 });

      // Validating a dataset with the model's tokenizer tokenizes it into this folder (in the inference worker).
      await h['datasets.validate']({ job: sentimentJob() });
      const filled = await h['system.tokenCache']({});
      expect(filled.entries).toBe(1);
      expect(filled.bytes).toBeGreaterThan(1000);

      // An entry a run is tokenizing into (a live writer: this process) is not deleted.
      const busy = join(cache, 'busy-entry');
      mkdirSync(busy, { recursive: true });
      writeFileSync(join(busy, 'tokens.bin'), Buffer.alloc(100));
      writeFileSync(join(busy, 'writer.lock'), `${process.pid}\n`);

      const r = await dispatch(h, 'system.clearTokenCache', {});
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value).toMatchObject({ removed: 1, freedBytes: filled.bytes, kept: 1, entries: 1, dir: cache });
      expect(existsSync(join(busy, 'tokens.bin'))).toBe(true);
      expect(existsSync(join(cache, 'file-hashes.json'))).toBe(false);
    } finally {
      await services.shutdown();
    }
  });
});

describe('services: validating a large dataset (progress events and cancel)', () => {
  const tmp = useTempDir('sps-services-validate-progress-');

  it('reports reading and tokenizing progress for its validationId, and cancelValidate ends it with CANCELLED', async () => {
    const cache = join(tmp(), 'tokens');
    const { services, events, waitEvent } = makeServices(join(tmp(), 'data'), { workerEnv: { SPS_TOKEN_CACHE: cache } });
    try {
      const h = services.handlers;
      // Small: runs to the end, with a last event per phase at done = total.
      const done = await h['datasets.validate']({ job: sentimentJob(), validationId: 'v1' });
      expect(done.train.examples).toBeGreaterThan(0);
      const v1 = events.filter((e) => e.event === 'datasets.validateProgress').map((e) => e.payload as ApiEvents['datasets.validateProgress']);
      expect(v1.every((p) => p.validationId === 'v1')).toBe(true);
      expect(v1.some((p) => p.phase === 'reading' && p.done === p.total)).toBe(true);
      expect(v1.some((p) => p.phase === 'tokenizing' && p.done === p.total && p.total === done.train.examples)).toBe(true);

      // Large (60k stories): cancelled once tokenizing has started.
      const file = join(tmp(), 'stories.jsonl');
      const words = ['Once', 'upon', 'a', 'time', 'there', 'was', 'a', 'little', 'dog', 'who', 'liked', 'to', 'run', 'in', 'the', 'park'];
      writeFileSync(file, Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ text: `${i} ${words.slice(i % 7).join(' ')} ${words.slice(0, (i % 11) + 3).join(' ')}.` })).join('\n') + '\n');
      const job = { ...sentimentJob(), data: { train: file, validationFraction: 0.1 }, task: { kind: 'lm' as const, textColumn: 'text' } };
      const pending = h['datasets.validate']({ job, validationId: 'v2' });
      pending.catch(() => undefined);
      await waitEvent('datasets.validateProgress', (p) => p.validationId === 'v2' && p.phase === 'tokenizing' && p.done > 0, 'tokenizing progress', 60_000);
      expect(await h['datasets.cancelValidate']({ validationId: 'v2' })).toEqual({ ok: true });
      await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
      const v2 = events.filter((e) => e.event === 'datasets.validateProgress' && (e.payload as ApiEvents['datasets.validateProgress']).validationId === 'v2').map((e) => e.payload as ApiEvents['datasets.validateProgress']);
      const reading = v2.filter((p) => p.phase === 'reading');
      expect(reading.at(-1)).toMatchObject({ which: 'train', done: reading.at(-1)!.total });
      expect(v2.filter((p) => p.phase === 'tokenizing').every((p) => p.done < p.total && p.total === 60_000)).toBe(true);
      // Nothing to cancel any more.
      expect(await h['datasets.cancelValidate']({ validationId: 'v2' })).toEqual({ ok: false });
    } finally {
      await services.shutdown();
    }
  });
});
