import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ModelEntry, PullStatus } from '../../../src/shared/api.js';
import { repoCacheDir } from '../../../src/engine/hub/cache_dir.js';
import { pullModel } from '../../../src/engine/hub/pull.js';
import { ModelLibrary } from '../../../src/services/model_library.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { commitOf, startFakeHub, type FakeHub, type FakeRepo } from '../../helpers/fake_hub.js';
import { makeServices } from '../../unit/services/service_helpers.js';
import { sps } from '../cli/cli_helpers.js';
import { tempDir, testConn } from './hub_test_helpers.js';

const STORIES = 'karpathy-test/stories260K';

/** A Hub repo holding the real stories260K files (plus files a pull must leave alone). */
function storiesRepo(id: string, extra: Partial<FakeRepo> = {}): FakeRepo {
  const dir = storiesModelDir();
  const files = readdirSync(dir).map((f) => ({ path: f, content: readFileSync(join(dir, f)), lfs: f.endsWith('.safetensors') }));
  return { id, files: [...files, { path: 'pytorch_model.bin', content: Buffer.alloc(64, 3), lfs: true }], ...extra };
}

let hub: FakeHub;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  hub = await startFakeHub([storiesRepo(STORIES), storiesRepo('gated/stories', { gated: true, grantedTokens: ['hf_grantedAbcdef123'] })]);
  tmp = tempDir('sps-library-');
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});

/** A copy of stories260K with something wrong with it. */
function brokenCopy(name: string, damage: (dir: string) => void): string {
  const dir = join(tmp.dir, name);
  cpSync(storiesModelDir(), dir, { recursive: true });
  damage(dir);
  return dir;
}

describe('the model library', () => {
  it('lists built-in, added and Hugging Face cache models with their facts, and why one cannot be used', async () => {
    const cache = join(tmp.dir, 'hf-cache');
    await pullModel({ repoId: STORIES, cacheDir: cache, conn: testConn(hub.url) });
    const noTok = brokenCopy('no-tokenizer', (d) => rmSync(join(d, 'tokenizer.json')));
    const bert = brokenCopy('bert', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'] })));
    const lib = new ModelLibrary({ dataDir: join(tmp.dir, 'data'), hfCacheDir: cache, builtinDirs: [storiesModelDir()] });
    lib.add(noTok);
    lib.add(bert);
    const all = lib.list();
    expect(all.map((m) => [m.source, m.repoId ?? m.name, m.supported])).toEqual([
      ['builtin', 'stories260K', true],
      ['added', 'no-tokenizer', false],
      ['added', 'bert', false],
      ['hf-cache', STORIES, true],
    ]);
    const [builtin, noTokEntry, bertEntry, cached] = all as [ModelEntry, ModelEntry, ModelEntry, ModelEntry];
    // stories260K, counted from config.json: embeddings 512·64 = 32768; per layer q 64·64 + k,v 2·64·32
    // + o 64·64 + MLP 3·64·172 + 2 norms·64 = 45440, ×5 = 227200; final norm 64; tied LM head → 260032 (F32).
    expect(builtin).toMatchObject({ architecture: 'LlamaForCausalLM', modelType: 'llama', parameters: 260_032, dtype: 'F32', contextLength: 512, hiddenSize: 64, numLayers: 5, vocabSize: 512 });
    expect(builtin.sizeBytes).toBe(readdirSync(storiesModelDir()).reduce((s, f) => s + lstatSync(join(storiesModelDir(), f)).size, 0));
    expect(noTokEntry.reason).toMatch(/missing tokenizer: tokenizer\.json not found/);
    expect(noTokEntry.parameters).toBe(260_032);
    expect(bertEntry.reason).toMatch(/model_type "bert" is not supported.*supported model types: llama/);
    expect(bertEntry.architecture).toBe('BertModel');
    // The cache snapshot: the same facts, read through symlinks; only the needed files came down.
    expect(cached).toMatchObject({ parameters: 260_032, dtype: 'F32', contextLength: 512, revision: commitOf(STORIES), refs: ['main'] });
    expect(cached.path).toBe(join(repoCacheDir(cache, STORIES), 'snapshots', commitOf(STORIES)));
    expect(lstatSync(join(cached.path, 'model.safetensors')).isSymbolicLink()).toBe(true);
    expect(readdirSync(cached.path).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(cached.sizeBytes).toBe(readdirSync(cached.path).reduce((s, f) => s + readFileSync(join(cached.path, f)).length, 0));
    expect(lib.find(STORIES)?.id).toBe(cached.id);
    expect(lib.roots()).toEqual([storiesModelDir(), cache, noTok, bert]);

    // Removing: an added folder is forgotten (its files stay); a cache snapshot only with deleteFiles.
    expect(lib.remove(noTokEntry.id)).toEqual({ removed: true });
    expect(existsSync(noTok)).toBe(true);
    expect(() => lib.remove(builtin.id)).toThrow(/built into the app/);
    expect(() => lib.remove(cached.id)).toThrow(/deletes its files.*--delete-files/);
    expect(lib.remove(cached.id, true)).toEqual({ removed: true });
    expect(existsSync(repoCacheDir(cache, STORIES))).toBe(false);
    expect(lib.list().map((m) => m.name)).toEqual(['stories260K', 'bert']);
  });

  it('lists a repo with two snapshots under both, and deleting one keeps the blobs the other uses', async () => {
    const cache = join(tmp.dir, 'two-snaps');
    await pullModel({ repoId: STORIES, cacheDir: cache, conn: testConn(hub.url) });
    // A second commit of the same repo sharing every blob.
    const repoDir = repoCacheDir(cache, STORIES);
    const other = 'f'.repeat(40);
    cpSync(join(repoDir, 'snapshots', commitOf(STORIES)), join(repoDir, 'snapshots', other), { recursive: true, verbatimSymlinks: true });
    const lib = new ModelLibrary({ dataDir: join(tmp.dir, 'data2'), hfCacheDir: cache, builtinDirs: [] });
    expect(lib.list().map((m) => m.name).sort()).toEqual([`${STORIES}@${commitOf(STORIES).slice(0, 8)}`, `${STORIES}@ffffffff`].sort());
    const blobsBefore = readdirSync(join(repoDir, 'blobs')).length;
    lib.remove(lib.list().find((m) => m.revision === other)?.id ?? '', true);
    expect(readdirSync(join(repoDir, 'blobs')).length).toBe(blobsBefore);
    expect(lib.list().map((m) => m.supported)).toEqual([true]);
  });
});

describe('models API: pull from the Hub with progress, cancel, tokens', () => {
  it('pulls a repo (models.pull), reports progress events, and lists the model as ready', async () => {
    const dataDir = join(tmp.dir, 'svc');
    mkdirSync(dataDir, { recursive: true });
    const t = makeServices(dataDir, { env: { HF_ENDPOINT: hub.url }, hubRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, builtinDirs: [] });
    const h = t.services.handlers;
    expect((await h['models.catalogue']({})).map((c) => c.repoId)).toContain('HuggingFaceTB/SmolLM2-135M');
    const { pullId } = await h['models.pull']({ repoId: STORIES });
    const done = await t.waitEvent('models.pull', (p) => p.pullId === pullId && p.phase !== 'resolving' && p.phase !== 'downloading', 'the pull to finish');
    expect(done.phase).toBe('done');
    expect(done.model).toMatchObject({ repoId: STORIES, supported: true, source: 'hf-cache', parameters: 260_032 });
    const events = t.events.filter((e) => e.event === 'models.pull').map((e) => e.payload as PullStatus);
    expect(events.some((e) => e.phase === 'downloading')).toBe(true);
    expect((await h['models.list']({})).map((m) => m.repoId)).toEqual([STORIES]);
    expect((await h['models.pulls']({}))[0]?.phase).toBe('done');
    // Web mode stores no token: HF_TOKEN only, and it says so.
    expect(await h['models.hubToken']({})).toMatchObject({ source: 'none', canStore: false, endpoint: hub.url });
    await expect(h['models.setHubToken']({ token: 'hf_abcdefgh1234' })).rejects.toThrow(/web mode.*HF_TOKEN/);
    // A gated repo without a token fails with the licence explained.
    const gated = await h['models.pull']({ repoId: 'gated/stories' });
    const failed = await t.waitEvent('models.pull', (p) => p.pullId === gated.pullId && p.phase === 'failed', 'the gated pull to fail');
    expect(failed.error?.code).toBe('ACCESS_DENIED');
    expect(failed.error?.message).toContain('accept the licence on the model page');
    await t.services.shutdown();
  });

  it('uses a stored token (desktop) and cancels a running pull', async () => {
    const dataDir = join(tmp.dir, 'svc-token');
    mkdirSync(dataDir, { recursive: true });
    let stored: string | undefined;
    const tokenStore = { get: () => stored, set: (t: string) => void (stored = t), clear: () => void (stored = undefined) };
    const t = makeServices(dataDir, { env: { HF_ENDPOINT: hub.url }, tokenStore, hubRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 }, builtinDirs: [] });
    const h = t.services.handlers;
    await expect(h['models.setHubToken']({ token: 'not-a-token' })).rejects.toThrow(/starts with "hf_"/);
    expect(await h['models.setHubToken']({ token: 'hf_grantedAbcdef123' })).toMatchObject({ source: 'stored', canStore: true });
    hub.log.length = 0;
    const { pullId } = await h['models.pull']({ repoId: 'gated/stories' });
    expect((await t.waitEvent('models.pull', (p) => p.pullId === pullId && p.phase === 'done', 'the gated pull')).model?.supported).toBe(true);
    expect(hub.log.filter((r) => r.url.includes('/resolve/')).every((r) => r.auth === 'Bearer hf_grantedAbcdef123')).toBe(true);
    expect(await h['models.clearHubToken']({})).toMatchObject({ source: 'none' });

    hub.faults.throttle = { path: 'model.safetensors', bytesPerSecond: 100_000 };
    const again = await h['models.pull']({ repoId: STORIES });
    // The same repo while it runs: the same pull.
    expect(await h['models.pull']({ repoId: STORIES })).toEqual(again);
    await t.waitEvent('models.pull', (p) => p.pullId === again.pullId && p.file === 'model.safetensors' && p.bytesDone > 0, 'the weights to start');
    expect(await h['models.cancelPull']({ pullId: again.pullId })).toEqual({ ok: true });
    const cancelled = await t.waitEvent('models.pull', (p) => p.pullId === again.pullId && p.phase === 'cancelled', 'the cancel');
    expect(cancelled.error?.code).toBe('CANCELLED');
    hub.faults = {};
    await t.services.shutdown();
  });
});

describe('sps models', () => {
  it('lists, adds, describes and removes from the command line', async () => {
    const cache = join(tmp.dir, 'cli-cache');
    await pullModel({ repoId: STORIES, cacheDir: cache, conn: testConn(hub.url) });
    vi.stubEnv('HF_HUB_CACHE', cache);
    try {
      const data = join(tmp.dir, 'cli-data');
      const bert = brokenCopy('cli-bert', (d) => writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'bert' })));
      expect((await sps('models', 'add', bert, '--data-dir', data)).code).toBe(0);
      const list = await sps('models', 'list', '--json', '--data-dir', data);
      expect(list.code).toBe(0);
      const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as ModelEntry);
      expect(rows.map((r) => [r.source, r.supported])).toEqual([['builtin', true], ['added', false], ['hf-cache', true]]);
      const text = await sps('models', 'list', '--data-dir', data);
      expect(text.stdout).toMatch(/karpathy-test\/stories260K\s+hf-cache\s+LlamaForCausalLM\s+260\.0K F32\s+ctx 512.*ready/);
      expect(text.stdout).toMatch(/not usable: .*model_type "bert" is not supported/);
      const info = await sps('models', 'info', STORIES, '--data-dir', data);
      expect(info.stdout).toMatch(/parameters:\s+260032/);
      expect(info.stdout).toMatch(/status:\s+ready/);
      const refused = await sps('models', 'remove', STORIES, '--data-dir', data);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--delete-files');
      expect((await sps('models', 'remove', bert, '--data-dir', data)).code).toBe(0);
      expect((await sps('models', 'nope', '--data-dir', data)).stderr).toContain('unknown models subcommand');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
