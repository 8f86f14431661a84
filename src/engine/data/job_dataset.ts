import { resolve } from 'node:path';
import type { TemplatePreview, ValidationReportDTO } from '../../shared/api.js';
import type { JobConfig } from '../../shared/job.js';
import { modelForJob, type ChatTemplate } from '../models/chat_template.js';
import type { LoadedModel } from '../models/load_model.js';
import { taskSpecOf } from '../tuning/prepare_data.js';
import { buildExamples } from './dataset.js';
import { previewRecords } from './readers/index.js';
import { tokenCacheRoot } from './cache_entry.js';
import { tokenizerVariantOf } from './tokenized_dataset.js';
import { validateStreaming, type ValidateProgress } from './validate_streaming.js';
import { reportDTO } from './validation_report_dto.js';

/**
 * A job's dataset seen through its model's tokenizer, as the wizard shows it: the full
 * validation report, and the first examples with their tokens.
 */

function readOpts(job: JobConfig) {
  return { ...(job.data.format ? { format: job.data.format } : {}), ...(job.data.textMode ? { textMode: job.data.textMode } : {}) };
}

/** Validates the job's training (and validation) file, with token lengths from the model's tokenizer. */
export async function validateJobDataset(job: JobConfig, model: LoadedModel, opts: { signal?: AbortSignal; onProgress?: (p: ValidateProgress) => void } = {}): Promise<ValidationReportDTO> {
  // Streams files of any size; every example is tokenized into the shared token cache, so the
  // run that follows on this file, tokenizer and template starts at once.
  const tok = modelForJob(model, job).tokenizer;
  const report = await validateStreaming({
    file: resolve(job.data.train),
    task: taskSpecOf(job, tok),
    read: readOpts(job),
    ...(job.data.validation ? { validationFile: resolve(job.data.validation) } : {}),
    tokens: { tokenizer: tok, modelDir: model.dir, cacheRoot: tokenCacheRoot(), ...tokenizerVariantOf(tok) },
    maxLength: job.training.maxLength,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return reportDTO(report);
}

/** The first `limit` examples after the job's template, tokenized as the trainer does. */
export async function previewJobTemplate(job: JobConfig, model: LoadedModel, limit: number): Promise<TemplatePreview> {
  const file = resolve(job.data.train);
  const tok = modelForJob(model, job).tokenizer;
  const chat = 'chatTemplate' in tok ? (tok.chatTemplate as ChatTemplate) : undefined;
  const { records } = await previewRecords(file, limit, readOpts(job));
  const built = buildExamples(records, taskSpecOf(job, tok), file);
  const text = (id: number) => tok.idToToken(id) ?? tok.decodeToken(id);
  const examples: TemplatePreview['examples'] = built.examples.map((ex) => {
    // As the trainer tokenizes (example.ts): input with special tokens, output without.
    const input = tok.encode(ex.input, { addSpecialTokens: true });
    const output = tok.encode(ex.output, { addSpecialTokens: false });
    return {
      line: ex.source.line ?? 0,
      // With the chat template, the input as the model sees it (the rendered conversation).
      input: chat ? chat.render(ex.input) : ex.input,
      output: ex.output,
      tokens: [...input.map((id) => ({ id, text: text(id), part: 'input' as const })), ...output.map((id) => ({ id, text: text(id), part: 'output' as const }))],
    };
  });
  return { examples };
}
