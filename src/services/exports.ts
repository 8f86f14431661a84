import { join, resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { readRunJob } from '../engine/tuning/run.js';
import { runPaths } from '../engine/tuning/run_dir.js';
import { readSoftPrompt } from '../engine/tuning/prompt_file.js';
import type { ServiceContext } from './context.js';
import { isInside, realPathOf } from './path_policy.js';

type ExportHandlers = Pick<ApiHandlers, 'exports.export' | 'exports.import'>;

/**
 * Where an export may go. Web mode: inside the run's own exports/ folder (real paths, so a link
 * cannot lead out of it). Desktop: anywhere — the path came from the save dialog, which main
 * checks (main/path_grants.ts).
 */
function exportTarget(runDir: string, out: string, mode: 'desktop' | 'web'): string {
  const target = resolve(out);
  if (mode === 'desktop') return target;
  const exportsDir = runPaths(runDir).exports;
  if (!isInside(realPathOf(target), realPathOf(exportsDir)) || realPathOf(target) === realPathOf(exportsDir)) {
    throw new SpsError('PATH_NOT_ALLOWED', `in web mode exports are written inside the run's exports folder (${exportsDir}), not to ${target}`, {
      location: { file: target, field: 'out' },
      hint: `leave "out" empty for the default name, or give a path such as ${join(exportsDir, 'my-adapter')}`,
    });
  }
  return target;
}

/**
 * Exports a run's prompt (default: RUN/exports/, replaced on re-export) and checks prompt
 * files. Exporting runs in the inference worker of the run's model: the prompt card reads
 * the model's embeddings for the nearest tokens.
 */
export function exportsService(ctx: ServiceContext, resolveRun: (id: string) => string): ExportHandlers {
  const mode = ctx.opts.mode;
  return {
    'exports.export': async ({ id, format, checkpoint, out }) => {
      const runDir = resolveRun(id);
      const key = ctx.modelKey(readRunJob(runDir).job.model.path);
      // Our own exports folder is ours to overwrite; a file the user named is never replaced.
      return ctx.inference.call(key, 'exportRun', { runDir, opts: { format, ...(checkpoint ? { checkpoint } : {}), ...(out !== undefined ? { out: exportTarget(runDir, out, mode) } : { force: true }) } });
    },
    'exports.import': async ({ path, expectDim }) => {
      const p = readSoftPrompt(resolve(path), expectDim);
      return { numVirtualTokens: p.numVirtualTokens, dim: p.dim };
    },
  };
}
