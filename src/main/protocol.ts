/**
 * The app:// protocol: the renderer bundle (dist/renderer) served under a privileged standard,
 * secure scheme instead of file:// (which would give the page read access to the disk and an
 * opaque origin). Each response carries a strict Content-Security-Policy.
 */
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { mimeType } from '../server/mime.js';
import { rendererCsp } from '../shared/csp.js';
import { APP_HOST, APP_SCHEME } from './app_origin.js';

/** The desktop page's policy (src/shared/csp.ts says why each directive is what it is). */
export const CONTENT_SECURITY_POLICY = rendererCsp({ mode: 'desktop' });


/** The privileges the scheme needs; pass to protocol.registerSchemesAsPrivileged before `ready`. */
export const APP_SCHEME_PRIVILEGES = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
] as const;

export function registerAppScheme(protocol: { registerSchemesAsPrivileged(schemes: { scheme: string; privileges: { standard: boolean; secure: boolean; supportFetchAPI: boolean } }[]): void }): void {
  protocol.registerSchemesAsPrivileged(APP_SCHEME_PRIVILEGES.map((s) => ({ scheme: s.scheme, privileges: { ...s.privileges } })));
}

function securityHeaders(contentType: string): Headers {
  return new Headers({
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

export type AppProtocolHandler = (request: Request) => Promise<Response>;

/**
 * The handler for `protocol.handle('app', handler)`: GET/HEAD of files under `root`.
 * Refuses other hosts, traversal (also percent-encoded, and through symlinks) and NUL bytes;
 * `/` serves index.html; missing files are 404.
 */
export function createAppProtocolHandler(opts: { root: string; readFile?: (path: string) => Promise<Uint8Array>; realpath?: (path: string) => Promise<string> }): AppProtocolHandler {
  const root = resolve(opts.root);
  const read = opts.readFile ?? ((p: string) => readFile(p));
  const real = opts.realpath ?? ((p: string) => realpath(p));
  const inside = (base: string, p: string): boolean => {
    const rel = relative(base, p);
    return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel);
  };
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return plain(400, 'bad url');
    }
    if (url.protocol !== `${APP_SCHEME}:` || url.hostname !== APP_HOST) return plain(404, 'not found');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return plain(400, 'bad path');
    }
    if (path.includes('\0')) return plain(400, 'bad path');
    if (path === '/' || path === '') path = '/index.html';
    // Backslashes are separators on Windows: refuse them everywhere so a path means one thing.
    if (path.includes('\\')) return plain(403, 'forbidden');
    const file = resolve(root, '.' + path);
    if (!inside(root, file)) return plain(403, 'forbidden');
    let body: Uint8Array;
    try {
      const [realRoot, realFile] = await Promise.all([real(root), real(file)]);
      if (!inside(realRoot, realFile)) return plain(403, 'forbidden');
      body = await read(realFile);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return plain(404, 'not found');
      return plain(500, 'could not read the file');
    }
    const type = mimeType(file);
    const headers = securityHeaders(type);
    headers.set('Content-Length', String(body.byteLength));
    return new Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
  };
}
