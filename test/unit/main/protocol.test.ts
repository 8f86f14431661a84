import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY, createAppProtocolHandler, registerAppScheme, type AppProtocolHandler } from '../../../src/main/protocol.js';

let root: string;
let outside: string;
let handle: AppProtocolHandler;

beforeAll(() => {
  const base = mkdtempSync(join(tmpdir(), 'sps-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>sps</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'a b.css'), 'body{}');
  outside = join(base, 'secret.txt');
  writeFileSync(outside, 'TOP SECRET');
  try {
    symlinkSync(outside, join(root, 'link.txt'));
  } catch {
    // no symlinks on this system
  }
  handle = createAppProtocolHandler({ root });
});

const get = (url: string, method = 'GET') => handle(new Request(url, { method }));

describe('the app:// protocol', () => {
  it('serves files with their type and a strict CSP', async () => {
    const r = await get('app://sps/index.html');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>sps</title>');
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    for (const d of ["default-src 'self'", "script-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    const js = await get('app://sps/assets/app.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await get('app://sps/assets/a%20b.css')).status).toBe(200);
  });

  it('serves index.html for / and nothing for HEAD bodies', async () => {
    expect(await (await get('app://sps/')).text()).toContain('sps');
    const head = await get('app://sps/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('404s missing files and folders', async () => {
    expect((await get('app://sps/nope.js')).status).toBe(404);
    expect((await get('app://sps/assets')).status).toBe(404);
    expect((await get('app://sps/index.html/x')).status).toBe(404);
  });

  it('refuses traversal out of the root, also encoded or through a symlink', async () => {
    for (const url of ['app://sps/%2e%2e/secret.txt', 'app://sps/..%2Fsecret.txt', 'app://sps/assets/..%2F..%2Fsecret.txt', 'app://sps/..%5Csecret.txt', 'app://sps/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'app://sps/link.txt']) {
      const r = await get(url);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(await r.text()).not.toContain('TOP SECRET');
    }
    expect((await get('app://sps/index.html%00.js')).status).toBe(400);
    expect((await get('app://sps/%E0%A4%A')).status).toBe(400);
  });

  it('serves only its own host and GET/HEAD', async () => {
    expect((await get('app://other/index.html')).status).toBe(404);
    expect((await get('app://sps/index.html', 'POST')).status).toBe(405);
  });

  it('registers the scheme as standard, secure and fetch-capable', () => {
    const registerSchemesAsPrivileged = vi.fn();
    registerAppScheme({ registerSchemesAsPrivileged });
    expect(registerSchemesAsPrivileged).toHaveBeenCalledWith([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  });
});

describe('one Content-Security-Policy for the desktop and web pages', () => {
  it('differs only in connect-src: web mode adds its WebSocket origin', async () => {
    const { contentSecurityPolicy } = await import('../../../src/server/static_files.js');
    const web = contentSecurityPolicy('ws://127.0.0.1:7777').split('; ');
    const desktop = CONTENT_SECURITY_POLICY.split('; ');
    expect(web.filter((d) => !desktop.includes(d))).toEqual(["connect-src 'self' ws://127.0.0.1:7777"]);
    expect(desktop.filter((d) => !web.includes(d))).toEqual(["connect-src 'self'"]);
  });
});
