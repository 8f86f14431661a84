import type { ApiClient } from '../../shared/api';
import { createIpcClient } from './ipc_client';
import { takePageToken } from './page_token';
import { createWsClient } from './ws_client';
import { bridge } from './platform';

/** Desktop (window.sps present): IPC. Otherwise web mode: the WebSocket at /api with the token of the URL's #fragment. */
export function createClient(): ApiClient {
  if (bridge()) return createIpcClient();
  const token = takePageToken(location, sessionStorage, (url) => history.replaceState(history.state, '', url));
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWsClient(`${scheme}://${location.host}/api`, token);
}
