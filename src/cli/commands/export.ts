import { SpsError } from '../../shared/errors.js';
import { EXPORT_FORMATS, exportRun, type ExportFormat } from '../../engine/export/export_run.js';
import { choiceFlag, intFlag, parseFlags, requireFlag } from '../args.js';
import type { CliIO } from '../io.js';

export const exportHelp = `sps export RUN --format peft|safetensors|npy|json|card [--out PATH] [--checkpoint best|final]
           [--dtype float32|float64] [--model DIR] [--top-k K] [--force] [--json]

Exports a run's soft prompt (the best checkpoint unless --checkpoint final):
  peft         a Hugging Face PEFT prompt-tuning adapter folder (adapter_config.json +
               adapter_model.safetensors, F32 prompt_embeddings): PeftModel.from_pretrained loads it
  safetensors  one tensor prompt_embeddings [n, hidden] (--dtype float32, default, or float64)
  npy          a NumPy array (n, hidden) ('<f4' by default, '<f8' with --dtype float64)
  json         {"format":"sps-soft-prompt", …, "data": [[…]]} in full float64 precision
  card         a Markdown prompt card: model, dataset, task, hyperparameters, metrics, nearest tokens
--out defaults to RUN/exports/<checkpoint>… ; an existing output is only replaced with --force.
--model gives the base model folder if it moved since training (peft and card need it).
--json prints one line {"format", "out", "files", "checkpoint", "step", …}.`;

export async function exportCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    format: { type: 'string' },
    out: { type: 'string' },
    checkpoint: { type: 'string' },
    dtype: { type: 'string' },
    model: { type: 'string' },
    'top-k': { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  }, 'export');
  const run = positionals[0];
  if (run === undefined) throw new SpsError('INVALID_ARGUMENT', 'sps export: give the run folder', { location: { field: 'RUN' }, hint: 'sps export RUN --format peft --out adapter/' });
  if (positionals.length > 1) throw new SpsError('INVALID_ARGUMENT', `sps export: one run folder expected, got ${positionals.length} (${positionals.slice(1).join(', ')} extra)`, { location: { field: 'RUN' } });
  const format = choiceFlag(requireFlag(values.format, 'format', 'export'), 'format', EXPORT_FORMATS, 'peft' as ExportFormat);
  const checkpoint = choiceFlag(values.checkpoint, 'checkpoint', ['best', 'final'] as const, 'best');
  const dtype = values.dtype === undefined ? undefined : choiceFlag(values.dtype, 'dtype', ['float32', 'float64'] as const, 'float32');
  if (dtype === 'float64' && format === 'peft') {
    throw new SpsError('INVALID_ARGUMENT', '--dtype float64 is not possible for a PEFT adapter (PEFT stores prompt_embeddings as float32)', { location: { field: '--dtype' }, hint: 'use --format safetensors, npy or json for full precision' });
  }
  const result = exportRun(run, {
    format,
    checkpoint,
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(dtype !== undefined ? { dtype } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values['top-k'] !== undefined ? { topK: intFlag(values['top-k'], 'top-k', 5) } : {}),
    force: values.force === true,
  });
  if (values.json) {
    io.stdout(JSON.stringify(result) + '\n');
    return 0;
  }
  for (const w of result.warnings) io.stderr(`sps export: warning: ${w}\n`);
  const what = `${result.numVirtualTokens}×${result.dim}${result.dtype ? ` ${result.dtype}` : ''}`;
  io.stdout(`exported the ${result.checkpoint} prompt (step ${result.step}, ${what}) as ${result.format} to ${result.out}\n`);
  return 0;
}
