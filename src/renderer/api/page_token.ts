/** Where the page keeps the web-mode access token for this tab (survives reloads, not the tab). */
export const TOKEN_STORAGE_KEY = 'sps.token';

interface PageLocation {
  readonly hash: string;
  readonly pathname: string;
  readonly search: string;
}

/**
 * The access token of web mode: taken from the URL fragment (`#token=…`, which `sps serve`
 * prints and browsers never send to a server), kept in sessionStorage, and removed from the
 * address bar so it is not bookmarked, shared or left in the history. A reload finds it in
 * sessionStorage.
 */
export function takePageToken(loc: PageLocation, storage: Pick<Storage, 'getItem' | 'setItem'>, replaceUrl: (url: string) => void): string {
  const fragment = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    fragment.delete('token');
    const rest = fragment.toString();
    replaceUrl(loc.pathname + loc.search + (rest ? `#${rest}` : ''));
    return fromUrl;
  }
  return storage.getItem(TOKEN_STORAGE_KEY) ?? '';
}
