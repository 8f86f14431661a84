import type { ApiClient } from '../../shared/api';
import { createIpcClient } from './ipc_client';
import { createWsClient } from './ws_client';
import { bridge } from './platform';

/** Desktop (window.sps present): IPC. Otherwise web mode: the WebSocket at /api with the URL's ?token=. */
export function createClient(): ApiClient {
  if (bridge()) return createIpcClient();
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWsClient(`${scheme}://${location.host}/api`, token);
}
