import { resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { readRunJob } from '../engine/tuning/run.js';
import { readSoftPrompt } from '../engine/tuning/prompt_file.js';
import type { ServiceContext } from './context.js';

type ExportHandlers = Pick<ApiHandlers, 'exports.export' | 'exports.import'>;

/**
 * Exports a run's prompt (default: RUN/exports/, replaced on re-export) and checks prompt
 * files. Exporting runs in the inference worker of the run's model: the prompt card reads
 * the model's embeddings for the nearest tokens.
 */
export function exportsService(ctx: ServiceContext, resolveRun: (id: string) => string): ExportHandlers {
  return {
    'exports.export': async ({ id, format, checkpoint, out }) => {
      const runDir = resolveRun(id);
      const key = ctx.modelKey(readRunJob(runDir).job.model.path);
      // Our own exports folder is ours to overwrite; a file the user named is never replaced.
      return ctx.inference.call(key, 'exportRun', { runDir, opts: { format, ...(checkpoint ? { checkpoint } : {}), ...(out !== undefined ? { out: resolve(out) } : { force: true }) } });
    },
    'exports.import': async ({ path, expectDim }) => {
      const p = readSoftPrompt(resolve(path), expectDim);
      return { numVirtualTokens: p.numVirtualTokens, dim: p.dim };
    },
  };
}
