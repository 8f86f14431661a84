import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
