import { tokenCacheRoot } from '../../engine/data/cache_entry.js';
import { formatReport } from '../../engine/data/validate.js';
import { tokenizerVariantOf } from '../../engine/data/tokenized_dataset.js';
import { validateStreaming, type ValidateProgress } from '../../engine/data/validate_streaming.js';
import { modelForJob } from '../../engine/models/chat_template.js';
import { loadModel } from '../../engine/models/load_model.js';
import { parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';
import { jobFromFlags, TASK_FLAGS } from './tune.js';
import { taskSpecOf } from '../../engine/tuning/prepare_data.js';

export const validateHelp = `sps validate --data FILE [--val FILE] --task classification|generation|lm [task flags as for tune] [--model DIR] [--max-length L] [--json]

The validation report alone: rows, columns, problems with line numbers (first 10 per kind plus
totals), duplicates, train/validation overlap, label distribution, and with --model the
token-length histogram under the template and how many examples --max-length would truncate.
Files of any size stream (memory: ~40 bytes per example); progress and ETA go to stderr,
Ctrl-C cancels. With --model every example is tokenized into the shared token cache, so a
\`sps tune\` on the same file, model tokenizer and template that follows starts at once.
Exits 1 when a row has an error.`;

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    ...TASK_FLAGS,
    model: { type: 'string' },
    'max-length': { type: 'string' },
    json: { type: 'boolean' },
  }, 'validate');
  const data = requireFlag(values.data, 'data', 'validate');
  // The same task vocabulary as `sps tune`; model and steps are placeholders here.
  const job = jobFromFlags({ ...values, model: values.model ?? '.', steps: '1' });
  const folder = values.model ? loadModel(values.model) : undefined;
  // Inputs through the chat template when asked (its own cache entry: another tokenization).
  const model = folder ? modelForJob(folder, job) : undefined;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const show = progressPrinter(io);
  try {
    const report = await validateStreaming({
      file: data,
      task: taskSpecOf(job, model?.tokenizer),
      read: { ...(job.data.format ? { format: job.data.format } : {}), ...(job.data.textMode ? { textMode: job.data.textMode } : {}) },
      ...(values.val ? { validationFile: values.val } : {}),
      ...(model ? { tokens: { tokenizer: model.tokenizer, modelDir: model.dir, cacheRoot: tokenCacheRoot(), ...tokenizerVariantOf(model.tokenizer) }, maxLength: job.training.maxLength } : {}),
      onProgress: show,
      signal: controller.signal,
    });
    show(undefined);
    io.stdout(values.json ? JSON.stringify(report) + '\n' : formatReport(report) + '\n');
    return report.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A progress line on stderr (redrawn on a terminal, every 10% otherwise); undefined ends it. */
function progressPrinter(io: CliIO): (p: ValidateProgress | undefined) => void {
  const tty = process.stderr.isTTY === true;
  let last = '';
  let shown = false;
  return (p) => {
    if (!p) {
      if (shown && tty) io.stderr('\n');
      return;
    }
    const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
    const eta = p.etaSeconds >= 0 ? ` eta ${Math.round(p.etaSeconds)}s` : '';
    const what = p.phase === 'reading' ? `reading ${p.which}` : `tokenizing ${p.which}`;
    const text = `${what}: ${pct}% (${p.done}/${p.total}${p.phase === 'reading' ? ' bytes' : ' examples'})${eta}`;
    if (tty) {
      io.stderr(`\r${text}\x1b[K`);
      shown = true;
    } else {
      const key = `${what}:${Math.floor(pct / 10)}`;
      if (key !== last) io.stderr(text + '\n');
      last = key;
    }
  };
}
