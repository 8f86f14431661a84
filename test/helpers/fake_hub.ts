import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that answers like the Hugging Face Hub's file API, as far as model
 * downloads use it (checked against huggingface_hub's file_download.py and @huggingface/hub):
 * - GET /api/models/{id}/revision/{rev}: model info with `sha`, `gated` and `siblings`
 *   (`?blobs=true` adds size/blobId/lfs as the real API does);
 * - GET /api/models/{id}/tree/{rev}?recursive=…: [{type, oid, size, path, lfs: {oid, size, pointerSize}}],
 *   paginated with a Link: <…>; rel="next" header;
 * - GET|HEAD /{id}/resolve/{rev}/{path}: small files answered directly (ETag = git blob sha1);
 *   LFS files redirected (302) to a CDN path, with X-Linked-Etag / X-Linked-Size / X-Repo-Commit;
 *   both honour Range (206 + Content-Range, 416 past the end);
 * - gated repos: 401 without a token, 403 with a token that was not granted (X-Error-Code: GatedRepo);
 * - injected faults: a connection dropped after N bytes, a corrupted byte, 429/503 answers,
 *   and throttled bodies (to kill a downloading process mid-file).
 */

export interface FakeFile {
  path: string;
  content: Buffer;
  /** Stored with Git LFS (weights): etag = sha256, served through the CDN redirect. */
  lfs?: boolean;
}

export interface FakeRepo {
  id: string;
  files: FakeFile[];
  /** Gated: `resolve/` needs one of `grantedTokens`. */
  gated?: boolean;
  grantedTokens?: string[];
  /** Branch → commit; default main → a commit made from the repo id. */
  sha?: string;
}

export interface Faults {
  /** Close the connection after sending this many body bytes of the next download of `path`. */
  dropAfter?: { path: string; bytes: number; times?: number };
  /** Flip a byte of every download of `path` at this file offset. */
  corrupt?: { path: string; offset: number };
  /** Answer the next `times` requests under /{id}/resolve/ (or /cdn/) with this status. */
  failWith?: { status: number; times: number; retryAfter?: string };
  /** Send bodies of `path` at about this many bytes per second. */
  throttle?: { path: string; bytesPerSecond: number };
}

export interface LoggedRequest {
  method: string;
  url: string;
  range?: string;
  auth?: string;
  status?: number;
}

export interface FakeHub {
  url: string;
  repos: Map<string, FakeRepo>;
  faults: Faults;
  log: LoggedRequest[];
  close(): Promise<void>;
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
export const gitOid = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
export const commitOf = (repoId: string): string => createHash('sha1').update(`commit ${repoId}`).digest('hex');

const POINTER_SIZE = 134;

function lfsPointer(f: FakeFile): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(f.content)}\nsize ${f.content.length}\n`);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export async function startFakeHub(repos: FakeRepo[], opts: { treePageSize?: number } = {}): Promise<FakeHub> {
  const hub: FakeHub = { url: '', repos: new Map(repos.map((r) => [r.id, r])), faults: {}, log: [], close: async () => undefined };
  const pageSize = opts.treePageSize ?? 1000;
  const shaOf = (r: FakeRepo) => r.sha ?? commitOf(r.id);
  const findRepo = (id: string, rev: string): FakeRepo | undefined => {
    const r = hub.repos.get(id);
    return r && (rev === 'main' || rev === 'HEAD' || rev === shaOf(r)) ? r : undefined;
  };
  const notFound = (res: ServerResponse, code: string, message: string) => json(res, 404, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });

  const serveBytes = (req: IncomingMessage, res: ServerResponse, path: string, content: Buffer, headers: Record<string, string>, entry: LoggedRequest) => {
    let body = content;
    const c = hub.faults.corrupt;
    if (c && c.path === path && c.offset < body.length) {
      body = Buffer.from(body);
      body[c.offset] = (body[c.offset] as number) ^ 0xff;
    }
    let start = 0;
    let end = body.length - 1;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!m || Number(m[1]) >= body.length) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` });
        res.end();
        return;
      }
      start = Number(m[1]);
      if (m[2]) end = Math.min(end, Number(m[2]));
      status = 206;
    }
    const slice = body.subarray(start, end + 1);
    entry.status = status;
    res.writeHead(status, { ...headers, 'Accept-Ranges': 'bytes', 'Content-Length': String(slice.length), 'Content-Type': 'application/octet-stream', ...(status === 206 ? { 'Content-Range': `bytes ${start}-${end}/${body.length}` } : {}) });
    if (req.method === 'HEAD') return void res.end();
    const drop = hub.faults.dropAfter;
    const throttle = hub.faults.throttle?.path === path ? hub.faults.throttle : undefined;
    let limit = slice.length;
    if (drop && drop.path === path) {
      limit = Math.min(limit, drop.bytes);
      drop.times = (drop.times ?? 1) - 1;
      if (drop.times <= 0) delete hub.faults.dropAfter;
    }
    const chunk = throttle ? Math.max(1, Math.floor(throttle.bytesPerSecond / 20)) : 64 * 1024;
    let sent = 0;
    const pump = () => {
      if (res.destroyed) return;
      while (sent < limit) {
        const n = Math.min(chunk, limit - sent);
        const ok = res.write(slice.subarray(sent, sent + n));
        sent += n;
        if (throttle) return void setTimeout(pump, 50);
        if (!ok) return void res.once('drain', pump);
      }
      // A cut connection: the socket closes before Content-Length bytes were sent (once the
      // bytes before the cut have reached the client, so the test knows where it resumes).
      if (limit < slice.length) res.write(Buffer.alloc(0), () => setTimeout(() => res.socket?.destroy(), 30));
      else res.end();
    };
    pump();
  };

  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const entry: LoggedRequest = { method: req.method ?? 'GET', url: u.pathname + u.search, ...(req.headers.range ? { range: req.headers.range } : {}), ...(req.headers.authorization ? { auth: req.headers.authorization } : {}) };
    hub.log.push(entry);
    const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);

    // /api/models/{org}/{name}/revision/{rev} and /api/models/{org}/{name}/tree/{rev}
    if (parts[0] === 'api' && parts[1] === 'models' && parts.length >= 6) {
      const id = `${parts[2]}/${parts[3]}`;
      const rev = parts[5] as string;
      const repo = findRepo(id, rev);
      if (!hub.repos.has(id)) return notFound(res, 'RepoNotFound', `Repository Not Found for url: ${u.pathname}.`);
      if (!repo) return notFound(res, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      if (parts[4] === 'revision') {
        const blobs = u.searchParams.get('blobs') === 'true';
        return json(res, 200, {
          _id: createHash('md5').update(id).digest('hex').slice(0, 24),
          id,
          modelId: id,
          sha: shaOf(repo),
          private: false,
          gated: repo.gated ? 'manual' : false,
          disabled: false,
          downloads: 0,
          likes: 0,
          lastModified: '2024-11-01T00:00:00.000Z',
          pipeline_tag: 'text-generation',
          siblings: repo.files.map((f) => ({ rfilename: f.path, ...(blobs ? { size: f.content.length, blobId: f.lfs ? gitOid(lfsPointer(f)) : gitOid(f.content), ...(f.lfs ? { lfs: { sha256: sha256(f.content), size: f.content.length, pointerSize: POINTER_SIZE } } : {}) } : {}) })),
        });
      }
      if (parts[4] === 'tree') {
        const entries = repo.files.map((f) => ({ type: 'file', oid: f.lfs ? gitOid(lfsPointer(f)) : gitOid(f.content), size: f.content.length, path: f.path, ...(f.lfs ? { lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: POINTER_SIZE } } : {}) }));
        const from = Number(u.searchParams.get('cursor') ?? '0');
        const page = entries.slice(from, from + pageSize);
        const headers: Record<string, string> = {};
        if (from + pageSize < entries.length) {
          const next = new URL(`${hub.url}${u.pathname}`);
          for (const [k, v] of u.searchParams) if (k !== 'cursor') next.searchParams.set(k, v);
          next.searchParams.set('cursor', String(from + pageSize));
          headers.Link = `<${next.href}>; rel="next"`;
        }
        return json(res, 200, page, headers);
      }
    }

    const fail = hub.faults.failWith;
    if (fail && fail.times > 0 && (parts[0] === 'cdn' || parts[2] === 'resolve')) {
      fail.times--;
      entry.status = fail.status;
      return json(res, fail.status, { error: fail.status === 429 ? 'Too Many Requests' : 'Service Unavailable' }, fail.retryAfter ? { 'Retry-After': fail.retryAfter } : {});
    }

    // The CDN an LFS resolve redirects to (presigned in reality; here /cdn/{sha256}?repo=…&path=…).
    if (parts[0] === 'cdn' && parts.length === 2) {
      const repo = hub.repos.get(u.searchParams.get('repo') ?? '');
      const f = repo?.files.find((x) => x.lfs && sha256(x.content) === parts[1]);
      if (!f) return void (res.writeHead(404), res.end());
      return serveBytes(req, res, f.path, f.content, { ETag: `"${parts[1]}"` }, entry);
    }

    // /{org}/{name}/resolve/{rev}/{path…}
    if (parts[2] === 'resolve' && parts.length >= 5) {
      const id = `${parts[0]}/${parts[1]}`;
      const rev = parts[3] as string;
      const path = parts.slice(4).join('/');
      if (!hub.repos.has(id)) return notFound(res, 'RepoNotFound', 'Repository not found');
      const repo = findRepo(id, rev);
      if (!repo) return notFound(res, 'RevisionNotFound', 'Invalid rev id');
      if (repo.gated) {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!token) {
          entry.status = 401;
          return json(res, 401, { error: `Access to model ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.` }, { 'X-Error-Code': 'GatedRepo' });
        }
        if (!(repo.grantedTokens ?? []).includes(token)) {
          entry.status = 403;
          return json(res, 403, { error: `Access to model ${id} is restricted and you are not in the authorized list. Visit https://huggingface.co/${id} to ask for access.` }, { 'X-Error-Code': 'GatedRepo' });
        }
      }
      const f = repo.files.find((x) => x.path === path);
      if (!f) return notFound(res, 'EntryNotFound', `Entry not found for ${path}`);
      const common = { 'X-Repo-Commit': shaOf(repo) };
      if (f.lfs) {
        const oid = sha256(f.content);
        entry.status = 302;
        res.writeHead(302, { ...common, ETag: `"${gitOid(lfsPointer(f))}"`, 'X-Linked-Etag': `"${oid}"`, 'X-Linked-Size': String(f.content.length), Location: `/cdn/${oid}?repo=${encodeURIComponent(id)}&path=${encodeURIComponent(path)}` });
        return void res.end();
      }
      return serveBytes(req, res, f.path, f.content, { ...common, ETag: `"${gitOid(f.content)}"` }, entry);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hub.close = () => new Promise<void>((done) => {
    server.closeAllConnections();
    server.close(() => done());
  });
  return hub;
}

/** A small llama-like repo: config, tokenizer files and weights as the given buffers. */
export function modelRepo(id: string, weights: Buffer, extra: Partial<FakeRepo> = {}, sideFiles: Record<string, string> = {}): FakeRepo {
  const text = (path: string, s: string): FakeFile => ({ path, content: Buffer.from(s) });
  return {
    id,
    files: [
      text('config.json', sideFiles['config.json'] ?? JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'] })),
      text('tokenizer.json', sideFiles['tokenizer.json'] ?? '{}'),
      text('tokenizer_config.json', sideFiles['tokenizer_config.json'] ?? '{}'),
      text('README.md', '# not needed'),
      { path: 'pytorch_model.bin', content: Buffer.alloc(100, 7), lfs: true },
      { path: 'model.safetensors', content: weights, lfs: true },
      { path: 'onnx/model.onnx', content: Buffer.alloc(10, 1), lfs: true },
    ],
    ...extra,
  };
}
