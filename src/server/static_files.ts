import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { rendererCsp } from '../shared/csp.js';
import { mimeType } from './mime.js';

export { mimeType };


/** The renderer page's policy in web mode: the desktop one plus this server's WebSocket (src/shared/csp.ts). */
export function contentSecurityPolicy(wsOrigin: string): string {
  return rendererCsp({ mode: 'web', webSocketOrigin: wsOrigin });
}

export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    // The page URL carries the token: never send it on as a referrer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/**
 * Serves the built renderer from `root`: GET/HEAD only, the file's MIME type, index.html for
 * app routes (paths without an extension), and nothing outside `root` (a path that resolves
 * outside it, or holds NUL or a backslash, is refused with 403).
 */
export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'method not allowed', { ...headers, Allow: 'GET, HEAD' });
    return;
  }
  const base = resolve(root);
  const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    send(res, 400, 'bad request', headers);
    return;
  }
  if (path.includes('\0') || path.includes('\\') || path.split('/').includes('..')) {
    send(res, 403, 'forbidden', headers);
    return;
  }
  let file = resolve(join(base, path));
  if (file !== base && !file.startsWith(base + sep)) {
    send(res, 403, 'forbidden', headers);
    return;
  }
  const isFile = (p: string) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (!isFile(file)) {
    const dirIndex = join(file, 'index.html');
    if (isFile(dirIndex)) file = dirIndex;
    else if (extname(path) === '' && isFile(join(base, 'index.html'))) file = join(base, 'index.html');
    else {
      send(res, 404, existsSync(join(base, 'index.html')) ? 'not found' : 'the renderer is not built: run `npm run build:renderer`', headers);
      return;
    }
  }
  const size = statSync(file).size;
  res.writeHead(200, {
    ...headers,
    'Content-Type': mimeType(file),
    'Content-Length': String(size),
    'Cache-Control': file.endsWith('.html') ? 'no-store' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
