import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listCachedSnapshots, repoCacheDir } from '../../../src/engine/hub/cache_dir.js';
import { hubEndpoint } from '../../../src/engine/hub/hub_api.js';
import { pullModel, type PullProgress } from '../../../src/engine/hub/pull.js';
import { SpsError } from '../../../src/shared/errors.js';
import { commitOf, modelRepo, sha256, startFakeHub, type FakeHub } from '../../helpers/fake_hub.js';
import { randomBytes, tempDir, testConn } from './hub_test_helpers.js';

const WEIGHTS = randomBytes(1_000_000, 1);
const REPO = 'org/tiny';
const GATED = 'gated-org/tiny-gated';
const GRANTED = 'hf_grantedToken123456';

let hub: FakeHub;
let tmp: { dir: string; cleanup: () => void };
let n = 0;
const cacheDir = () => join(tmp.dir, `cache-${n}`);

beforeAll(async () => {
  hub = await startFakeHub(
    [
      modelRepo(REPO, WEIGHTS),
      modelRepo(GATED, WEIGHTS, { gated: true, grantedTokens: [GRANTED] }),
      { id: 'org/bin-only', files: [{ path: 'config.json', content: Buffer.from('{}') }, { path: 'pytorch_model.bin', content: Buffer.alloc(10), lfs: true }] },
    ],
    { treePageSize: 2 },
  );
  tmp = tempDir('sps-pull-');
});
afterAll(async () => {
  await hub.close();
  tmp.cleanup();
});
afterEach(() => {
  hub.faults = {};
  hub.log.length = 0;
  n++;
});

async function expectError(p: Promise<unknown>, code: string): Promise<SpsError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SpsError);
  expect((err as SpsError).code).toBe(code);
  return err as SpsError;
}

const downloads = () => hub.log.filter((r) => r.url.startsWith('/cdn/') || r.url.includes('/resolve/'));

describe('pullModel against a local Hub', () => {
  it('downloads only the needed files into the Hugging Face cache layout', async () => {
    const progress: PullProgress[] = [];
    const res = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url), onProgress: (p) => progress.push(p), progressIntervalMs: 0 });
    const sha = commitOf(REPO);
    expect(res.sha).toBe(sha);
    expect(res.files.sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const repoDir = repoCacheDir(cacheDir(), REPO);
    expect(repoDir.endsWith('models--org--tiny')).toBe(true);
    // snapshots/<sha>/<file> are relative symlinks into blobs/<etag>; refs/main holds the commit.
    const link = join(repoDir, 'snapshots', sha, 'model.safetensors');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(join('..', '..', 'blobs', sha256(WEIGHTS)));
    expect(readFileSync(link).equals(WEIGHTS)).toBe(true);
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(sha);
    expect(readdirSync(join(repoDir, 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(false);
    expect(listCachedSnapshots(cacheDir())).toEqual([{ repoId: REPO, revision: sha, refs: ['main'], dir: join(repoDir, 'snapshots', sha) }]);
    // Not needed: README, pytorch_model.bin, onnx/ (never requested).
    expect(downloads().some((r) => /README|pytorch_model|onnx/.test(r.url))).toBe(false);
    // The tree listing was paginated (2 entries a page) and followed.
    expect(hub.log.filter((r) => r.url.includes('/tree/')).length).toBe(4);
    const last = progress.at(-1) as PullProgress;
    expect(last.phase).toBe('done');
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.bytesTotal).toBe(WEIGHTS.length + 2 + 2 + JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] }).length);
    expect(progress.some((p) => p.phase === 'downloading' && p.bytesDone < p.bytesTotal)).toBe(true);

    // A second pull finds everything in place and fetches nothing.
    hub.log.length = 0;
    const again = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) });
    expect(again.fetchedBytes).toBe(0);
    expect(downloads()).toEqual([]);
  });

  it('resumes with a Range request after the connection is cut mid-file', async () => {
    hub.faults.dropAfter = { path: 'model.safetensors', bytes: 300_000 };
    const res = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) });
    const file = readFileSync(join(res.snapshotDir, 'model.safetensors'));
    expect(file.equals(WEIGHTS)).toBe(true);
    const cdn = hub.log.filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn.map((r) => r.range)).toEqual([undefined, 'bytes=300000-']);
    expect(cdn[1]?.status).toBe(206);
    // tokenizer.json and tokenizer_config.json are the same bytes here: one blob, fetched once (as huggingface_hub does).
    const blobs = new Map(res.files.map((f) => readFileSync(join(res.snapshotDir, f))).map((b) => [sha256(b), b.length]));
    expect(res.fetchedBytes).toBe([...blobs.values()].reduce((a, b) => a + b, 0));
  });

  it('refuses a file whose bytes do not match the Hub SHA-256, and keeps nothing of it', async () => {
    hub.faults.corrupt = { path: 'model.safetensors', offset: 123_456 };
    const err = await expectError(pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) }), 'CHECKSUM_MISMATCH');
    expect(err.message).toContain('model.safetensors');
    expect(err.message).toContain(sha256(WEIGHTS));
    const blobs = join(repoCacheDir(cacheDir(), REPO), 'blobs');
    expect(readdirSync(blobs).some((f) => f.startsWith(sha256(WEIGHTS)))).toBe(false);
    expect(existsSync(join(repoCacheDir(cacheDir(), REPO), 'snapshots', commitOf(REPO), 'model.safetensors'))).toBe(false);
  });

  it('checks small (non-LFS) files against their git blob id too', async () => {
    hub.faults.corrupt = { path: 'config.json', offset: 3 };
    const err = await expectError(pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) }), 'CHECKSUM_MISMATCH');
    expect(err.message).toContain('config.json');
  });

  it('retries 503 and 429 answers with backoff, then succeeds', async () => {
    hub.faults.failWith = { status: 503, times: 2 };
    const retried = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) });
    expect(readFileSync(join(retried.snapshotDir, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(hub.log.filter((r) => r.status === 503).length).toBe(2);
  });

  it('gives up after the last retry with an error saying so', async () => {
    hub.faults.failWith = { status: 429, times: 100, retryAfter: '0' };
    const err = await expectError(pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) }), 'HUB_ERROR');
    expect(err.message).toMatch(/failed after 4 tries: HTTP 429/);
  });

  it('explains 401 and 403 on a gated repo, and downloads with a granted token', async () => {
    const anon = await expectError(pullModel({ repoId: GATED, cacheDir: cacheDir(), conn: testConn(hub.url) }), 'ACCESS_DENIED');
    expect(anon.message).toContain('HTTP 401');
    expect(anon.hint).toContain('accept the licence on the model page');
    expect(anon.hint).toContain('HF_TOKEN');
    const denied = await expectError(pullModel({ repoId: GATED, cacheDir: cacheDir(), conn: testConn(hub.url, { token: 'hf_notGranted1234567' }) }), 'ACCESS_DENIED');
    expect(denied.message).toContain('HTTP 403');
    expect(denied.hint).toContain('accept the licence on the model page');
    hub.log.length = 0;
    const ok = await pullModel({ repoId: GATED, cacheDir: cacheDir(), conn: testConn(hub.url, { token: GRANTED }) });
    expect(readFileSync(join(ok.snapshotDir, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(hub.log.filter((r) => r.url.includes('/resolve/')).every((r) => r.auth === `Bearer ${GRANTED}`)).toBe(true);
  });

  it('cancels mid-file, keeps the partial file, and the next pull resumes from it', async () => {
    hub.faults.throttle = { path: 'model.safetensors', bytesPerSecond: 400_000 };
    const ctl = new AbortController();
    const blob = join(repoCacheDir(cacheDir(), REPO), 'blobs', `${sha256(WEIGHTS)}.incomplete`);
    const pulled = pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url, { signal: ctl.signal }), progressIntervalMs: 0, onProgress: (p) => {
      if (p.file === 'model.safetensors' && p.bytesDone > 200_000) ctl.abort();
    } });
    await expectError(pulled, 'CANCELLED');
    const partial = lstatSync(blob).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(WEIGHTS.length);
    hub.faults = {};
    hub.log.length = 0;
    const res = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) });
    expect(readFileSync(join(res.snapshotDir, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
    expect(hub.log.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([`bytes=${partial}-`]);
    expect(res.fetchedBytes).toBe(WEIGHTS.length - partial);
  });

  it('checks free disk space before downloading anything', async () => {
    const err = await expectError(pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url), freeBytes: async () => 10_000_000 }), 'DISK_FULL');
    expect(err.message).toMatch(/needs 1\.0 MB more but only 10\.0 MB is free/);
    expect(downloads()).toEqual([]);
  });

  it('refuses a repo without safetensors weights before downloading', async () => {
    const err = await expectError(pullModel({ repoId: 'org/bin-only', cacheDir: cacheDir(), conn: testConn(hub.url) }), 'UNSUPPORTED_MODEL');
    expect(err.message).toContain('pytorch_model.bin');
    expect(downloads()).toEqual([]);
  });

  it('names an unknown repo and a malformed repo id', async () => {
    await expectError(pullModel({ repoId: 'org/missing', cacheDir: cacheDir(), conn: testConn(hub.url) }), 'HUB_ERROR');
    await expectError(pullModel({ repoId: '../etc', cacheDir: cacheDir(), conn: testConn(hub.url) }), 'INVALID_ARGUMENT');
  });

  it('restarts a partial file that is longer than the file on the Hub', async () => {
    const blobs = join(repoCacheDir(cacheDir(), REPO), 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(WEIGHTS)}.incomplete`), Buffer.alloc(WEIGHTS.length + 10));
    const res = await pullModel({ repoId: REPO, cacheDir: cacheDir(), conn: testConn(hub.url) });
    expect(readFileSync(join(res.snapshotDir, 'model.safetensors')).equals(WEIGHTS)).toBe(true);
  });
});

describe('hubEndpoint', () => {
  it('uses HF_ENDPOINT for mirrors, else huggingface.co', () => {
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.com/' })).toBe('https://hf-mirror.com');
  });
});
