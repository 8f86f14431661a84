import { resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { exportRun } from '../engine/export/index.js';
import { readSoftPrompt } from '../engine/tuning/prompt_file.js';

type ExportHandlers = Pick<ApiHandlers, 'exports.export' | 'exports.import'>;

/** Exports a run's prompt (default: RUN/exports/, replaced on re-export) and checks prompt files. */
export function exportsService(resolveRun: (id: string) => string): ExportHandlers {
  return {
    'exports.export': async ({ id, format, checkpoint, out }) => {
      const dir = resolveRun(id);
      // Our own exports folder is ours to overwrite; a file the user named is never replaced.
      const r = exportRun(dir, { format, ...(checkpoint ? { checkpoint } : {}), ...(out !== undefined ? { out: resolve(out) } : { force: true }) });
      return { path: r.out, files: r.files };
    },
    'exports.import': async ({ path, expectDim }) => {
      const p = readSoftPrompt(resolve(path), expectDim);
      return { numVirtualTokens: p.numVirtualTokens, dim: p.dim };
    },
  };
}
