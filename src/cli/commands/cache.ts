import { SpsError } from '../../shared/errors.js';
import { clearTokenCache, tokenCacheInfo, type TokenCacheInfo } from '../../engine/data/cache_entry.js';
import { parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const cacheHelp = `sps cache info|clear [--json]

The token cache: datasets tokenized once by \`sps validate\`, \`sps tune\`, resume, evaluation
and sweeps, and reused while the file, tokenizer, template and task are unchanged.
  info    its folder, size and size limit
  clear   deletes every entry (an entry a running job is still tokenizing into is kept)
Folder: SPS_TOKEN_CACHE, else the platform's cache folder (…/soft-prompt-studio/tokens).
Size limit: SPS_TOKEN_CACHE_MAX_GB (default 20); least recently used entries go first.`;

const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(bytes >= 1e9 ? 1 : 3)} GB`;

function describe(info: TokenCacheInfo): string {
  return `${info.dir}${info.dirSource === 'env' ? ' (SPS_TOKEN_CACHE)' : ''}\n${info.entries} entr${info.entries === 1 ? 'y' : 'ies'}, ${gb(info.bytes)} of at most ${gb(info.maxBytes)}\n`;
}

export async function cacheCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, 'cache');
  const action = positionals[0];
  if (action === 'info') {
    const info = tokenCacheInfo();
    io.stdout(values.json ? JSON.stringify(info) + '\n' : describe(info));
    return 0;
  }
  if (action === 'clear') {
    const r = clearTokenCache(tokenCacheInfo().dir);
    const info = tokenCacheInfo();
    if (values.json) io.stdout(JSON.stringify({ ...info, removed: r.removed, freedBytes: r.bytes, kept: r.kept }) + '\n');
    else io.stdout(`removed ${r.removed} entr${r.removed === 1 ? 'y' : 'ies'} (${gb(r.bytes)})${r.kept > 0 ? `; kept ${r.kept} in use by a running job` : ''}\n${describe(info)}`);
    return 0;
  }
  throw new SpsError('INVALID_ARGUMENT', action === undefined ? 'sps cache needs an action' : `unknown cache action "${action}"`, { hint: 'use `sps cache info` or `sps cache clear`' });
}
