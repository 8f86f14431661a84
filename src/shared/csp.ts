/**
 * The renderer page's Content-Security-Policy, one definition for the desktop app (app://) and
 * web mode (sps serve). The one difference is where the page may connect: the desktop page
 * talks to main over IPC (connect-src 'self' only), the web page over a WebSocket to the
 * server that served it (its ws:// or wss:// origin is added).
 *
 * style-src allows 'unsafe-inline' and nothing else does: React and recharts put `style`
 * attributes on elements (tooltip positions, SVG text measurement, chart sizes). Inline CSS
 * cannot run code, and with connect-src limited to the app it cannot exfiltrate either;
 * scripts stay strictly 'self' (no inline script, no eval). Images may be data:/blob: URLs
 * (icons, downloads made in the page), fonts data: URLs; nothing is loaded from elsewhere.
 */
export function rendererCsp(page: { mode: 'desktop' } | { mode: 'web'; webSocketOrigin: string }): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    page.mode === 'web' ? `connect-src 'self' ${page.webSocketOrigin}` : "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
