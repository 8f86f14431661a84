import { mkdirSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApiHandlers, ProviderInfo, Settings } from '../shared/api.js';
import type { SampleInfo } from '../shared/sample_job.js';
import { SpsError } from '../shared/errors.js';
import { sampleDatasetPath } from '../engine/data/samples.js';
import { builtinModels, DEFAULT_BUILTIN_MODEL_ID } from '../engine/models/builtin.js';
import { APP_VERSION } from '../engine/tuning/run.js';
import type { ServiceContext } from './context.js';

type SystemHandlers = Pick<ApiHandlers, 'system.info' | 'system.getSettings' | 'system.setSettings'>;

/** The built-in model and the sentiment sample, when this installation has both. */
function sampleInfo(): { sample?: SampleInfo } {
  const model = builtinModels().find((m) => m.id === DEFAULT_BUILTIN_MODEL_ID);
  if (!model) return {};
  try {
    return { sample: { modelPath: model.path, modelName: model.id, datasetPath: sampleDatasetPath('sentiment.csv') } };
  } catch {
    return {};
  }
}

export function systemService(ctx: ServiceContext): SystemHandlers {
  // system.info answers even with a damaged settings file (getSettings reports that).
  const runsDir = () => {
    try {
      return ctx.runsDir;
    } catch {
      return ctx.defaultRunsDir;
    }
  };
  let runtime: Promise<{ onnxruntime: string; providers: ProviderInfo[] }> | undefined;
  return {
    'system.info': async () => {
      // Probing providers creates onnxruntime sessions: the general inference worker does it, once.
      runtime ??= ctx.inference.call('', 'runtimeInfo', {});
      const r = await runtime.catch((err: unknown) => {
        runtime = undefined;
        throw err;
      });
      return {
        appVersion: APP_VERSION,
        node: process.version,
        onnxruntime: r.onnxruntime,
        platform: `${process.platform}-${process.arch}`,
        providers: r.providers.map((p): ProviderInfo => ({ ...p })),
        paths: { data: ctx.dataDir, runs: runsDir(), models: join(ctx.dataDir, 'models') },
        mode: ctx.opts.mode,
        memory: { totalBytes: totalmem(), freeBytes: freemem() },
        ...sampleInfo(),
      };
    },
    'system.getSettings': async () => ctx.currentSettings(),
    'system.setSettings': async (req) => {
      const current = ctx.settings.read();
      const next: Partial<Settings> = { ...current };
      if (req.theme !== undefined) next.theme = req.theme;
      if (req.runsDir !== undefined && resolve(req.runsDir) !== ctx.runsDir && ctx.opts.mode === 'web') {
        // The runs dir decides what jobs.delete may remove and where files are created: only
        // the operator sets it (`sps serve --runs-dir`), never a browser.
        throw new SpsError('PATH_NOT_ALLOWED', 'the runs folder cannot be changed from a web client', { location: { field: 'runsDir' }, hint: 'restart `sps serve` with --runs-dir FOLDER' });
      }
      if (req.runsDir !== undefined) {
        const dir = resolve(req.runsDir);
        try {
          mkdirSync(dir, { recursive: true });
        } catch (err) {
          throw new SpsError('FILE_UNREADABLE', `cannot use this folder for runs: ${(err as Error).message}`, { location: { file: dir, field: 'runsDir' }, hint: 'choose a folder you can write to' });
        }
        next.runsDir = dir;
      }
      ctx.settings.write(next);
      return ctx.currentSettings();
    },
  };
}
