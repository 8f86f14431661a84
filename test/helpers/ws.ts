import WebSocket from 'ws';

/** A raw WebSocket to `url`: resolves 'open', the HTTP status of a refused upgrade, or -1 on a socket error. */
export function tryConnect(url: string, protocols?: string[]): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', () => resolve(-1));
  });
}
