import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../../src/shared/api.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { makeServices } from './service_helpers.js';

type Tok = ApiEvents['inference.token'];

describe('inference service', () => {
  const tmp = useTempDir('sps-infer-');

  it('generate streams tokens then done; the deltas add up to the text; greedy is repeatable', async () => {
    const t = makeServices(join(tmp(), 'data'));
    try {
      const h = t.services.handlers;
      const { streamId } = await h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'Once upon a time', maxNewTokens: 12 });
      const done = await t.waitEvent('inference.token', (p) => p.streamId === streamId && (p.done !== undefined || p.error !== undefined), 'the stream to end');
      expect(done.error).toBeUndefined();
      const tokens = t.events.filter((e) => e.event === 'inference.token' && (e.payload as Tok).streamId === streamId && (e.payload as Tok).token !== undefined).map((e) => e.payload as Tok);
      expect(tokens.length).toBe(done.done!.ids.length);
      expect(tokens.map((x) => x.token)).toEqual(done.done!.ids);
      expect(tokens.map((x) => x.delta).join('')).toBe(done.done!.text);
      expect(done.done!.text.length).toBeGreaterThan(0);

      // The cached generator is reused: a second greedy stream gives the same text.
      const again = await h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'Once upon a time', maxNewTokens: 12 });
      const done2 = await t.waitEvent('inference.token', (p) => p.streamId === again.streamId && p.done !== undefined, 'the second stream');
      expect(done2.done!.text).toBe(done.done!.text);

      await expect(h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: true, text: 'x', maxNewTokens: 3 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', location: { field: 'id' } });
      await expect(h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'x', maxNewTokens: 100_000 })).rejects.toMatchObject({ location: { field: 'maxNewTokens' } });
    } finally {
      await t.services.shutdown();
    }
  });

  it('queued generations are limited: one over the limit is refused; a finished one frees its place', async () => {
    const t = makeServices(join(tmp(), 'data'), { maxGenerations: 1 });
    try {
      const h = t.services.handlers;
      const first = await h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'Once upon a time', maxNewTokens: 400 });
      await expect(h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'x', maxNewTokens: 3 })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
      await h['inference.cancel']({ streamId: first.streamId });
      await t.waitEvent('inference.token', (p) => p.streamId === first.streamId && (p.done !== undefined || p.error !== undefined), 'the first stream to end');
      await new Promise((r) => setTimeout(r, 20));
      const second = await h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'x', maxNewTokens: 3 });
      await t.waitEvent('inference.token', (p) => p.streamId === second.streamId && p.done !== undefined, 'the second stream');
    } finally {
      await t.services.shutdown();
    }
  });

  it('cancel by streamId ends the stream early with done (stopped: false)', async () => {
    let cancelled: Promise<{ ok: boolean }> | undefined;
    // Cancel as the first token arrives (events are emitted synchronously), so the stream cannot end first.
    const t = makeServices(join(tmp(), 'data'), {}, (r) => {
      const p = r.payload as Tok;
      if (r.event === 'inference.token' && p.token !== undefined && !cancelled) cancelled = t.services.handlers['inference.cancel']({ streamId: p.streamId });
    });
    try {
      const h = t.services.handlers;
      const { streamId } = await h['inference.generate']({ modelPath: storiesModelDir(), usePrompt: false, text: 'Once', maxNewTokens: 400, temperature: 1.5, seed: 3 });
      await t.waitEvent('inference.token', (p) => p.streamId === streamId && p.token !== undefined, 'a first token');
      expect(await cancelled).toEqual({ ok: true });
      const done = await t.waitEvent('inference.token', (p) => p.streamId === streamId && p.done !== undefined, 'the cancelled stream to end');
      expect(done.done!.stopped).toBe(false);
      expect(done.done!.ids.length).toBeGreaterThan(0);
      expect(done.done!.ids.length).toBeLessThan(400);
      expect(await h['inference.cancel']({ streamId })).toEqual({ ok: false });
    } finally {
      await t.services.shutdown();
    }
  });
});
