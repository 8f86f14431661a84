/**
 * The origin the renderer is served from: a privileged custom scheme (protocol.ts) instead of
 * file://. Every trust decision in main (IPC senders, navigation) compares against it.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'sps';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True when `url` parses and has exactly the app's origin (scheme + host, no port or user). */
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.hostname === APP_HOST && u.port === '' && u.username === '' && u.password === '';
}
