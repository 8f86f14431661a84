import { describe, expect, it } from 'vitest';
import { takePageToken, TOKEN_STORAGE_KEY } from '../../src/renderer/api/page_token';
import { apiSocketUrl } from '../../src/renderer/api/ws_client';

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('web mode token: from the URL fragment to sessionStorage', () => {
  it('takes #token=, stores it for the tab and removes it from the address bar', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const t = takePageToken({ hash: '#token=abc123', pathname: '/runs/x', search: '?tab=2' }, storage, (u) => replaced.push(u));
    expect(t).toBe('abc123');
    expect(storage.m.get(TOKEN_STORAGE_KEY)).toBe('abc123');
    expect(replaced).toEqual(['/runs/x?tab=2']);
  });

  it('keeps other fragment parameters; a reload without a fragment uses the stored token', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    takePageToken({ hash: '#token=t1&view=log', pathname: '/', search: '' }, storage, (u) => replaced.push(u));
    expect(replaced).toEqual(['/#view=log']);
    expect(takePageToken({ hash: '', pathname: '/', search: '' }, storage, (u) => replaced.push(u))).toBe('t1');
    expect(replaced.length).toBe(1);
  });

  it('the API socket URL carries no token (it rides in the subprotocol)', () => {
    expect(apiSocketUrl('http://127.0.0.1:5000/?x=1#token=abc')).toBe('ws://127.0.0.1:5000/api');
    expect(apiSocketUrl('https://h:1/index.html')).toBe('wss://h:1/api');
  });
});
