import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { fileError } from '../engine/files.js';
import { previewRecords } from '../engine/data/readers/index.js';
import type { ServiceContext } from './context.js';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.preview' | 'datasets.validate' | 'datasets.templatePreview'>;

const clamp = (n: number | undefined, dflt: number, max: number) => Math.max(1, Math.min(max, Math.floor(n ?? dflt)));

/**
 * Data files: a preview of the first records here (bounded); validation of the whole file
 * and the tokenized template preview need the model's tokenizer and run in its inference
 * worker (a large file takes seconds).
 */
export function datasetsService(ctx: ServiceContext): DatasetHandlers {
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
    'datasets.validate': async ({ job }) => ctx.inference.call(ctx.modelKey(job.model.path), 'validateDataset', { job }),
    'datasets.templatePreview': async ({ job, limit }) => ctx.inference.call(ctx.modelKey(job.model.path), 'templatePreview', { job, limit: clamp(limit, 5, 100) }),
  };
}
