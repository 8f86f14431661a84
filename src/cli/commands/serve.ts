import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { startServer } from '../../server/server.js';
import { intFlag, parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const serveHelp = `sps serve [--host H] [--port P] [--data-dir DIR] [--runs-dir DIR] [--renderer DIR] [--json]

Web mode: serves the app (the built renderer, \`npm run build:renderer\`) and its API over a
WebSocket, and prints the URL to open — it carries a random access token; without it the API
refuses every request. Binds to 127.0.0.1 unless --host says otherwise (a warning is printed
for any non-loopback address). --port 0 (the default) picks a free port. Training runs in
child processes. Ctrl-C (or SIGTERM) stops: running jobs save a checkpoint first.
--data-dir holds settings.json and models.json (default $SPS_DATA_DIR or ~/.soft-prompt-studio);
runs go to DATA/runs unless the settings name another folder.
--json prints one line {"url", "token", "host", "port"}.`;

export function defaultDataDir(): string {
  return resolve(process.env.SPS_DATA_DIR || join(homedir(), '.soft-prompt-studio'));
}

export async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'runs-dir': { type: 'string' },
    renderer: { type: 'string' },
    json: { type: 'boolean' },
  }, 'serve');
  const port = intFlag(values.port, 'port', 0, 0);
  if (port > 65535) throw new SpsError('INVALID_ARGUMENT', `--port must be at most 65535, got ${port}`, { location: { field: '--port' } });
  const server = await startServer({
    ...(values.host !== undefined ? { host: values.host } : {}),
    port,
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
    ...(values['runs-dir'] ? { runsDir: resolve(values['runs-dir']) } : {}),
    ...(values.renderer ? { rendererDir: resolve(values.renderer) } : {}),
    warn: (m) => io.stderr(`sps serve: warning: ${m}\n`),
  });
  if (values.json) io.stdout(JSON.stringify({ url: server.url, token: server.token, host: server.host, port: server.port }) + '\n');
  else io.stdout(`Soft Prompt Studio is serving at\n\n  ${server.url}\n\nOpen that URL (it carries the access token). Ctrl-C stops.\n`);
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (!values.json) io.stderr(`\n${signal}: stopping (running jobs save a checkpoint)…\n`);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
