import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { fileError } from '../engine/files.js';
import { previewRecords } from '../engine/data/readers/index.js';
import type { ServiceContext } from './context.js';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.preview' | 'datasets.validate' | 'datasets.cancelValidate' | 'datasets.templatePreview'>;

/** Progress events of one validation at most this often (the last of a phase always goes). */
const PROGRESS_EVERY_MS = 250;

const clamp = (n: number | undefined, dflt: number, max: number) => Math.max(1, Math.min(max, Math.floor(n ?? dflt)));

/**
 * Data files: a preview of the first records here (bounded); validation of the whole file
 * and the tokenized template preview need the model's tokenizer and run in its inference
 * worker (a large file takes seconds).
 */
export function datasetsService(ctx: ServiceContext): DatasetHandlers {
  const validations = new Map<string, AbortController>();
  return {
    'datasets.preview': async ({ path, limit }) => {
      const file = resolve(path);
      let bytes: number;
      try {
        bytes = statSync(file).size;
      } catch (err) {
        throw fileError(err, file, 'data file');
      }
      const p = await previewRecords(file, clamp(limit, 20, 1000));
      return { path: file, format: p.format, columns: p.columns, rows: p.records.map((r) => ({ line: r.line, fields: { ...r.fields } })), bytes };
    },
    'datasets.validate': async ({ job, validationId }) => {
      if (validationId === undefined) return ctx.inference.call(ctx.modelKey(job.model.path), 'validateDataset', { job });
      // A large file takes minutes: progress goes out as events, and cancelValidate ends it.
      if (validations.has(validationId)) throw new SpsError('INVALID_ARGUMENT', `a validation with id "${validationId}" is already running`, { location: { field: 'validationId' }, hint: 'use a new id for each validation' });
      const abort = new AbortController();
      validations.set(validationId, abort);
      let last = { at: 0, key: '' };
      try {
        return await ctx.inference.call(ctx.modelKey(job.model.path), 'validateDataset', { job }, {
          signal: abort.signal,
          onProgress: (p) => {
            const key = `${p.phase}:${p.which}`;
            const now = Date.now();
            if (key === last.key && p.done < p.total && now - last.at < PROGRESS_EVERY_MS) return;
            last = { at: now, key };
            ctx.emit('datasets.validateProgress', { validationId, ...p });
          },
        });
      } finally {
        validations.delete(validationId);
      }
    },
    'datasets.cancelValidate': async ({ validationId }) => {
      const a = validations.get(validationId);
      a?.abort();
      return { ok: a !== undefined };
    },
    'datasets.templatePreview': async ({ job, limit }) => ctx.inference.call(ctx.modelKey(job.model.path), 'templatePreview', { job, limit: clamp(limit, 5, 100) }),
  };
}
