import { resolve } from 'node:path';
import type { ModelEntry } from '../../shared/api.js';
import { SpsError } from '../../shared/errors.js';
import { CATALOGUE } from '../../engine/hub/catalogue.js';
import { hubEndpoint } from '../../engine/hub/hub_api.js';
import { pullModel, type PullProgress } from '../../engine/hub/pull.js';
import { DEFAULT_RETRY } from '../../engine/hub/retry.js';
import { hubToken } from '../../services/hub_token.js';
import { ModelLibrary } from '../../services/model_library.js';
import { parseFlags } from '../args.js';
import type { CliIO } from '../io.js';
import { defaultDataDir } from './serve.js';

export const modelsHelp = `sps models <list|add|remove|info|pull|catalogue> [flags]

The model library: the built-in model, folders you added, and the Hugging Face cache
(HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub), where downloads land too so
Python tools share them. Each model is described from config.json and the safetensors headers
(no weights loaded): architecture, parameters, dtype, context length, disk use, and "ready" or
the reason it cannot be used.

  sps models list [--json]                 every known model
  sps models add DIR                       add a model folder
  sps models remove ID|DIR [--delete-files]
                                           forget an added folder (its files stay); a cache
                                           snapshot is deleted from disk only with --delete-files
  sps models info ID|DIR|REPO [--json]     one model in detail
  sps models pull REPO [--revision R] [--json]
                                           download from the Hugging Face Hub: only config,
                                           tokenizer and safetensors files; resumable (run it
                                           again after an interruption), each file checked
                                           against the Hub's SHA-256; Ctrl-C stops and keeps
                                           what is done
  sps models catalogue [--json]            models known to work, ready to pull

--data-dir DIR   where models.json lives (default $SPS_DATA_DIR or ~/.soft-prompt-studio)
Gated repos (Llama): accept the licence on the model page, then set HF_TOKEN to a read token.
HF_ENDPOINT points downloads at a mirror.`;

function fmtBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} KB`;
}

function fmtCount(n: number | undefined): string {
  if (n === undefined) return '-';
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
}

function status(m: ModelEntry): string {
  return m.supported ? 'ready' : `not usable: ${m.reason ?? 'unknown reason'}`;
}

function line(m: ModelEntry): string {
  return `${m.id}  ${(m.repoId ?? m.name).padEnd(36)} ${(m.source ?? '').padEnd(9)} ${(m.architecture ?? m.modelType).padEnd(22)} ${fmtCount(m.parameters).padStart(7)} ${(m.dtype ?? '-').padEnd(5)} ctx ${String(m.contextLength ?? '-').padEnd(6)} ${fmtBytes(m.sizeBytes).padStart(9)}  ${status(m)}`;
}

function details(m: ModelEntry): string {
  const rows: [string, unknown][] = [
    ['id', m.id],
    ['name', m.name],
    ['path', m.path],
    ['source', m.source],
    ['repo', m.repoId && `${m.repoId}@${m.revision}${m.refs?.length ? ` (${m.refs.join(', ')})` : ''}`],
    ['model type', m.modelType],
    ['architecture', m.architecture],
    ['parameters', m.parameters],
    ['dtype', m.dtype],
    ['context length', m.contextLength],
    ['hidden size', m.hiddenSize],
    ['layers', m.numLayers],
    ['vocabulary', m.vocabSize],
    ['disk use', m.sizeBytes !== undefined ? `${fmtBytes(m.sizeBytes)} (${m.sizeBytes} bytes)` : undefined],
    ['status', status(m)],
  ];
  return rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${(k + ':').padEnd(16)}${String(v)}`).join('\n') + '\n';
}

function progressLine(p: PullProgress): string {
  const eta = p.etaSeconds === undefined ? '' : `  ETA ${Math.ceil(p.etaSeconds)} s`;
  return `${p.repoId}: ${p.phase}${p.file ? ` ${p.file}` : ''}  ${fmtBytes(p.bytesDone)} / ${fmtBytes(p.bytesTotal)}  ${fmtBytes(p.bytesPerSecond)}/s${eta}  (${p.filesDone}/${p.filesTotal} files)`;
}

async function pull(library: ModelLibrary, repoId: string, revision: string | undefined, json: boolean, io: CliIO): Promise<number> {
  const ctl = new AbortController();
  const stop = () => ctl.abort(new Error('interrupted'));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let last = 0;
  try {
    const { token } = hubToken(process.env, undefined);
    const res = await pullModel({
      repoId,
      ...(revision ? { revision } : {}),
      cacheDir: library.downloadDir,
      conn: { endpoint: hubEndpoint(), ...(token ? { token } : {}), retry: DEFAULT_RETRY, signal: ctl.signal },
      progressIntervalMs: json ? 250 : 1000,
      onProgress: (p) => {
        if (json) return io.stdout(JSON.stringify({ progress: p }) + '\n');
        const now = Date.now();
        if (p.phase !== 'downloading' || now - last >= 1000) {
          last = now;
          io.stderr(progressLine(p) + '\n');
        }
      },
    });
    const snap = library.snapshots().find((s) => s.dir === res.snapshotDir);
    const entry = snap ? library.describeSnapshot(snap, library.snapshots()) : undefined;
    if (json) io.stdout(JSON.stringify({ done: { ...res, model: entry } }) + '\n');
    else io.stdout(`${res.repoId}@${res.sha.slice(0, 8)} is in ${res.snapshotDir} (${fmtBytes(res.fetchedBytes)} downloaded)\n${entry ? status(entry) : ''}\n`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

export async function modelsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' }, 'data-dir': { type: 'string' }, revision: { type: 'string' }, 'delete-files': { type: 'boolean' } }, 'models');
  const [sub, arg] = positionals;
  const library = new ModelLibrary({ dataDir: values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir() });
  const json = values.json === true;
  const need = (what: string): string => {
    if (!arg) throw new SpsError('INVALID_ARGUMENT', `sps models ${sub} needs ${what}`, { hint: 'run `sps models --help`' });
    return arg;
  };
  switch (sub) {
    case 'list': {
      const all = library.list();
      if (json) for (const m of all) io.stdout(JSON.stringify(m) + '\n');
      else if (all.length === 0) io.stdout('no models: add a folder (sps models add DIR) or download one (sps models pull REPO)\n');
      else for (const m of all) io.stdout(line(m) + '\n');
      return 0;
    }
    case 'add': {
      const m = library.add(need('a model folder'));
      io.stdout(json ? JSON.stringify(m) + '\n' : line(m) + '\n');
      return 0;
    }
    case 'remove': {
      const res = library.remove(need('a model id or folder'), values['delete-files'] === true);
      if (!res.removed) throw new SpsError('FILE_NOT_FOUND', `no model "${arg}" in the library`, { location: { field: 'id' }, hint: 'see `sps models list` for ids' });
      io.stdout(json ? JSON.stringify(res) + '\n' : `removed ${arg}\n`);
      return 0;
    }
    case 'info': {
      const key = need('a model id, folder or repo id');
      const m = library.find(key) ?? library.inspect(key);
      io.stdout(json ? JSON.stringify(m) + '\n' : details(m));
      return 0;
    }
    case 'pull':
      return pull(library, need('a repo id such as HuggingFaceTB/SmolLM2-135M'), values.revision, json, io);
    case 'catalogue': {
      const cached = new Set(library.snapshots().map((s) => s.repoId));
      for (const m of CATALOGUE) {
        if (json) io.stdout(JSON.stringify({ ...m, downloaded: cached.has(m.repoId) }) + '\n');
        else io.stdout(`${m.repoId.padEnd(38)} ${fmtCount(m.parameters).padStart(6)}  ~${fmtBytes(m.approxBytes).padEnd(9)} ${m.instruct ? 'instruct' : 'base    '} ${m.license.padEnd(11)} ${cached.has(m.repoId) ? 'downloaded' : ''}${m.gated ? ' (gated)' : ''}\n`);
      }
      return 0;
    }
    default:
      throw new SpsError('INVALID_ARGUMENT', sub ? `unknown models subcommand "${sub}"` : 'sps models needs a subcommand', { hint: 'list, add, remove, info, pull or catalogue (sps models --help)' });
  }
}
