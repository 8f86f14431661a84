import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError, readTextFile } from '../../engine/files.js';
import { startServer } from '../../server/server.js';
import { intFlag, parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const serveHelp = `sps serve [--host H] [--port P] [--data-dir DIR] [--runs-dir DIR] [--allow-dir DIR]...
          [--tls-cert CERT.pem --tls-key KEY.pem | --insecure] [--renderer DIR] [--json]

Web mode: serves the app (the built renderer, \`npm run build:renderer\`) and its API over a
WebSocket, and prints the URL to open — it carries a random access token in its #fragment
(the page keeps it for the tab and removes it from the address bar); without it the API refuses
every request. The API reads and writes only inside the data dir, the runs dir, the model
library and the folders granted with --allow-dir (repeatable); anything else is refused.
Binds to 127.0.0.1 unless --host says otherwise; a non-loopback --host needs --tls-cert and
--tls-key (HTTPS, WSS) or an explicit --insecure. --port 0 (the default) picks a free port.
Training runs in child processes. Ctrl-C (or SIGTERM) stops: running jobs save a checkpoint.
--data-dir holds settings.json and models.json (default $SPS_DATA_DIR or ~/.soft-prompt-studio);
runs go to DATA/runs unless --runs-dir names another folder.
--json prints one line {"url", "token", "host", "port"}.`;

function folderFlag(dir: string): string {
  const abs = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (err) {
    throw fileError(err, abs, '--allow-dir folder');
  }
  if (!isDir) throw new SpsError('NOT_A_DIRECTORY', '--allow-dir must name a folder', { location: { file: abs, field: '--allow-dir' } });
  return abs;
}

export function defaultDataDir(): string {
  return resolve(process.env.SPS_DATA_DIR || join(homedir(), '.soft-prompt-studio'));
}

export async function serveCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'runs-dir': { type: 'string' },
    'allow-dir': { type: 'string', multiple: true },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    insecure: { type: 'boolean' },
    renderer: { type: 'string' },
    json: { type: 'boolean' },
  }, 'serve');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new SpsError('INVALID_ARGUMENT', '--tls-cert and --tls-key go together', { location: { field: values['tls-cert'] === undefined ? '--tls-cert' : '--tls-key' }, hint: 'pass both PEM files: the certificate and its private key' });
  }
  const tls = values['tls-cert'] !== undefined && values['tls-key'] !== undefined
    ? { cert: readTextFile(resolve(values['tls-cert']), 'TLS certificate (--tls-cert)'), key: readTextFile(resolve(values['tls-key']), 'TLS key (--tls-key)') }
    : undefined;
  const port = intFlag(values.port, 'port', 0, 0);
  if (port > 65535) throw new SpsError('INVALID_ARGUMENT', `--port must be at most 65535, got ${port}`, { location: { field: '--port' } });
  const server = await startServer({
    ...(values.host !== undefined ? { host: values.host } : {}),
    port,
    dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(),
    ...(values['runs-dir'] ? { runsDir: resolve(values['runs-dir']) } : {}),
    ...(values['allow-dir'] ? { allowDirs: values['allow-dir'].map(folderFlag) } : {}),
    ...(tls ? { tls } : {}),
    ...(values.insecure ? { insecure: true } : {}),
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
