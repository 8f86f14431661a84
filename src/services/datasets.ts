import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApiHandlers, ProblemDTO, TemplatePreview, ValidationReportDTO } from '../shared/api.js';
import type { JobConfig } from '../shared/job.js';
import { fileError } from '../engine/files.js';
import { buildExamples, type Problem } from '../engine/data/dataset.js';
import { previewRecords } from '../engine/data/readers/index.js';
import { tokenCacheRoot } from '../engine/data/cache_entry.js';
import type { ValidationReport } from '../engine/data/validate.js';
import { validateStreaming } from '../engine/data/validate_streaming.js';
import { taskSpecOf } from '../engine/tuning/prepare_data.js';
import type { ServiceContext } from './context.js';

type DatasetHandlers = Pick<ApiHandlers, 'datasets.preview' | 'datasets.validate' | 'datasets.templatePreview'>;

const clamp = (n: number | undefined, dflt: number, max: number) => Math.max(1, Math.min(max, Math.floor(n ?? dflt)));

function readOpts(job: JobConfig) {
  return { ...(job.data.format ? { format: job.data.format } : {}), ...(job.data.textMode ? { textMode: job.data.textMode } : {}) };
}

function problemDTO(p: Problem): ProblemDTO {
  return { kind: p.kind, severity: p.severity, message: p.message, location: { ...p.location }, ...(p.hint ? { hint: p.hint } : {}) };
}

export function reportDTO(r: ValidationReport): ValidationReportDTO {
  const t = r.train;
  return {
    ok: r.ok,
    errors: r.errors,
    warnings: r.warnings,
    train: {
      file: t.file,
      format: t.format,
      rows: t.rows,
      columns: [...t.columns],
      examples: t.examples,
      duplicateRows: t.duplicateRows,
      ...(t.labelDistribution ? { labelDistribution: t.labelDistribution.map((d) => ({ ...d })) } : {}),
      ...(t.lengths ? { lengths: { ...t.lengths, histogram: t.lengths.histogram.map((h) => ({ ...h })) } } : {}),
    },
    ...(r.validation ? { validation: { file: r.validation.file, rows: r.validation.rows, examples: r.validation.examples, overlapWithTrain: r.validation.overlapWithTrain } } : {}),
    ...(r.labels ? { labels: [...r.labels] } : {}),
    ...(r.verbalizers ? { verbalizers: { ...r.verbalizers } } : {}),
    problems: r.problems.map((g) => ({ kind: g.kind, severity: g.severity, count: g.count, shown: g.shown.map(problemDTO) })),
  };
}

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
    'datasets.validate': async ({ job }) => {
      // Streams files of any size; every example is tokenized into the shared token cache, so
      // the run that follows on this file, tokenizer and template starts at once.
      const model = ctx.model(job.model.path);
      const tok = model.tokenizer;
      const report = await validateStreaming({
        file: resolve(job.data.train),
        task: taskSpecOf(job, tok),
        read: { ...(job.data.format ? { format: job.data.format } : {}), ...(job.data.textMode ? { textMode: job.data.textMode } : {}) },
        ...(job.data.validation ? { validationFile: resolve(job.data.validation) } : {}),
        tokens: { tokenizer: tok, modelDir: model.dir, cacheRoot: tokenCacheRoot() },
        maxLength: job.training.maxLength,
      });
      return reportDTO(report);
    },
    'datasets.templatePreview': async ({ job, limit }) => {
      const file = resolve(job.data.train);
      const model = ctx.model(job.model.path);
      const tok = model.tokenizer;
      const { records } = await previewRecords(file, clamp(limit, 5, 100), readOpts(job));
      const built = buildExamples(records, taskSpecOf(job, tok), file);
      const text = (id: number) => tok.idToToken(id) ?? tok.decodeToken(id);
      const examples: TemplatePreview['examples'] = built.examples.map((ex) => {
        // As the trainer tokenizes (example.ts): input with special tokens, output without.
        const input = tok.encode(ex.input, { addSpecialTokens: true });
        const output = tok.encode(ex.output, { addSpecialTokens: false });
        return {
          line: ex.source.line ?? 0,
          input: ex.input,
          output: ex.output,
          tokens: [...input.map((id) => ({ id, text: text(id), part: 'input' as const })), ...output.map((id) => ({ id, text: text(id), part: 'output' as const }))],
        };
      });
      return { examples };
    },
  };
}
