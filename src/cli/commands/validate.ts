import { formatReport, validateDataset } from '../../engine/data/validate.js';
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
  const model = values.model ? modelForJob(loadModel(values.model), job) : undefined;
  const tok = model?.tokenizer;
  const report = await validateDataset({
    file: data,
    task: taskSpecOf(job, tok),
    ...(job.data.format ? { format: job.data.format } : {}),
    ...(values.val ? { validationFile: values.val } : {}),
    ...(tok ? { tokenize: (text: string, part: 'input' | 'output') => tok.encode(text, { addSpecialTokens: part === 'input' }), maxLength: job.training.maxLength } : {}),
  });
  io.stdout(values.json ? JSON.stringify(report) + '\n' : formatReport(report) + '\n');
  return report.ok ? 0 : 1;
}
