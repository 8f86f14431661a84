import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError } from '../files.js';
import { loadModel, type LoadedModel } from '../models/load_model.js';
import { nearestTokens } from '../inference/nearest_tokens.js';
import { loadCheckpointDir } from '../tuning/checkpoint.js';
import { modelFingerprint } from '../tuning/fingerprint.js';
import { addsWordStartMarker } from '../tuning/prepare_data.js';
import { APP_VERSION, readRunJob } from '../tuning/run.js';
import { readMetrics, runPaths } from '../tuning/run_dir.js';
import { renderPromptCard } from './card.js';
import { writePromptJson } from './json.js';
import { writeNpy } from './npy.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, writePeftAdapter } from './peft.js';
import { writePromptSafetensors } from './safetensors.js';

export type ExportFormat = 'peft' | 'safetensors' | 'npy' | 'json' | 'card';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['peft', 'safetensors', 'npy', 'json', 'card'];
export type ExportCheckpoint = 'best' | 'final';

export interface ExportOptions {
  format: ExportFormat;
  /** File (folder for peft). Default: RUN/exports/<checkpoint>-<format>… */
  out?: string;
  /** Default 'best'. */
  checkpoint?: ExportCheckpoint;
  /** safetensors and npy only (peft is always float32, json always float64). Default float32. */
  dtype?: 'float32' | 'float64';
  /** The base model folder, when it moved since training (default: job.json's model.path). */
  model?: string;
  /** Card: nearest tokens per virtual token (default 5). */
  topK?: number;
  /** Replace an existing output. */
  force?: boolean;
  /** Card: the export date (tests pin it). */
  now?: Date;
}

export interface ExportResult {
  format: ExportFormat;
  out: string;
  files: string[];
  checkpoint: ExportCheckpoint;
  step: number;
  numVirtualTokens: number;
  dim: number;
  /** Element type of the prompt values written (card: none). */
  dtype?: 'float32' | 'float64';
  warnings: string[];
}

const DEFAULT_NAMES: Record<ExportFormat, (c: ExportCheckpoint) => string> = {
  peft: (c) => `${c}-peft`,
  safetensors: (c) => `${c}.safetensors`,
  npy: (c) => `${c}.npy`,
  json: (c) => `${c}.json`,
  card: (c) => `${c}-card.md`,
};

/** Exports a finished (or in-progress) run's best or final prompt in one format. */
export function exportRun(runDir: string, opts: ExportOptions): ExportResult {
  const root = resolve(runDir);
  if (!EXPORT_FORMATS.includes(opts.format)) {
    throw new SpsError('INVALID_ARGUMENT', `unknown export format ${JSON.stringify(opts.format)}; expected one of ${EXPORT_FORMATS.join(', ')}`, { location: { field: '--format' } });
  }
  const checkpoint = opts.checkpoint ?? 'best';
  if (checkpoint !== 'best' && checkpoint !== 'final') {
    throw new SpsError('INVALID_ARGUMENT', `checkpoint must be "best" or "final", got ${JSON.stringify(checkpoint)}`, { location: { field: '--checkpoint' } });
  }
  const run = readRunJob(root);
  const paths = runPaths(root);
  const ckptDir = paths[checkpoint];
  if (!existsSync(ckptDir)) {
    throw new SpsError('FILE_NOT_FOUND', `the run has no ${checkpoint}/ checkpoint yet`, {
      location: { file: ckptDir, field: '--checkpoint' },
      hint: checkpoint === 'final' ? 'the run has not finished: export --checkpoint best, or resume it to the end' : 'the run has not been evaluated yet: export --checkpoint final, or wait for an evaluation',
    });
  }
  const ckpt = loadCheckpointDir(ckptDir);
  const prompt = ckpt.prompt;
  const out = resolve(opts.out ?? join(paths.exports, DEFAULT_NAMES[opts.format](checkpoint)));
  checkOutput(out, opts.format, opts.force === true);
  const warnings: string[] = [];
  const openModel = (why: string): LoadedModel => {
    const dir = opts.model ?? run.job.model.path;
    let model: LoadedModel;
    try {
      model = loadModel(dir);
    } catch (err) {
      if (!(err instanceof SpsError)) throw err;
      // err.message already names the folder and what it should hold.
      throw new SpsError(err.code, `cannot open the run's base model (${why}): ${err.message}`, { hint: 'if the model folder moved, pass it with --model DIR', cause: err });
    }
    if (opts.model !== undefined && modelFingerprint(model).sha256 !== run.fingerprints.model.sha256) {
      warnings.push(`the model in ${model.dir} differs from the one the run was trained on (fingerprint ${run.fingerprints.model.sha256.slice(0, 12)}…)`);
    }
    if (model.spec.hiddenSize !== prompt.dim) {
      throw new SpsError('TENSOR_MISMATCH', `the prompt is ${prompt.dim} wide but this model's hidden size is ${model.spec.hiddenSize}`, { location: { file: model.dir, field: 'hidden_size' }, hint: 'pass the model the run was trained on with --model' });
    }
    return model;
  };
  const base = { format: opts.format, out, checkpoint, step: ckpt.step, numVirtualTokens: prompt.numVirtualTokens, dim: prompt.dim, warnings };
  // (writePeftAdapter makes its folder only once the model has opened: no empty folder on failure.)
  if (opts.format !== 'peft') mkdirSync(dirname(out), { recursive: true });
  switch (opts.format) {
    case 'peft': {
      const model = openModel('the PEFT config needs its layer and head counts');
      // The folder as recorded in job.json, unless the user pointed us at where it is now.
      const files = writePeftAdapter(out, prompt, model.spec, opts.model !== undefined ? model.dir : run.job.model.path);
      return { ...base, files, dtype: 'float32' };
    }
    case 'safetensors': {
      const dtype = opts.dtype ?? 'float32';
      writePromptSafetensors(out, prompt, dtype === 'float32' ? 'F32' : 'F64');
      return { ...base, files: [out], dtype };
    }
    case 'npy': {
      const dtype = opts.dtype ?? 'float32';
      writeNpy(out, prompt, dtype);
      return { ...base, files: [out], dtype };
    }
    case 'json':
      if (opts.dtype === 'float32') warnings.push('JSON exports are always float64 (exact); --dtype was ignored');
      writePromptJson(out, prompt);
      return { ...base, files: [out], dtype: 'float64' };
    case 'card': {
      let nearest: Parameters<typeof renderPromptCard>[0]['nearest'];
      let verbalizerPrefix: string | undefined;
      try {
        const model = openModel('nearest tokens need its embeddings and tokenizer');
        nearest = nearestTokens(prompt, model, { k: opts.topK ?? 5 });
        // As prepare_data.ts makes default verbalizers.
        verbalizerPrefix = addsWordStartMarker(model.tokenizer) ? '' : ' ';
      } catch (err) {
        if (!(err instanceof SpsError) || err.code === 'INVALID_ARGUMENT') throw err;
        nearest = { unavailable: err.message };
        warnings.push(`the card has no nearest tokens: ${err.message}`);
      }
      const text = renderPromptCard({
        runDir: root, run, checkpoint, step: ckpt.step, prompt, metrics: readMetrics(root), nearest,
        ...(verbalizerPrefix !== undefined ? { verbalizerPrefix } : {}),
        exportedAt: opts.now ?? new Date(), appVersion: APP_VERSION,
      });
      try {
        writeFileSync(out, text, { flag: 'wx' });
      } catch (err) {
        throw fileError(err, out, 'prompt card output file');
      }
      return { ...base, files: [out] };
    }
  }
}

/** Replacing an export removes the old file first (the new one is created exclusively); a link is never followed or removed. */
function removeOld(file: string): void {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return;
  }
  if (st.isSymbolicLink()) throw new SpsError('INVALID_ARGUMENT', 'the output path is a symbolic link; exports are never written through links', { location: { file, field: '--out' }, hint: 'remove the link or choose another path' });
  if (st.isFile()) unlinkSync(file);
}

/** Never overwrite silently; a PEFT folder may only be reused if it holds nothing but an adapter. */
function checkOutput(out: string, format: ExportFormat, force: boolean): void {
  if (lstatSync(out, { throwIfNoEntry: false })?.isSymbolicLink()) {
    throw new SpsError('INVALID_ARGUMENT', 'the output path is a symbolic link; exports are never written through links', { location: { file: out, field: '--out' }, hint: 'remove the link or choose another path' });
  }
  if (!existsSync(out)) return;
  const isDir = statSync(out).isDirectory();
  if (format === 'peft') {
    if (!isDir) throw new SpsError('NOT_A_DIRECTORY', 'a PEFT adapter is a folder, but this path is a file', { location: { file: out, field: '--out' }, hint: 'choose a folder path for --out' });
    const entries = readdirSync(out);
    if (entries.length === 0) return;
    const onlyAdapter = entries.every((f) => f === ADAPTER_CONFIG_FILE || f === ADAPTER_WEIGHTS_FILE);
    if (!onlyAdapter) throw new SpsError('INVALID_ARGUMENT', `the output folder is not empty (it holds ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`, { location: { file: out, field: '--out' }, hint: 'choose a new or empty folder for the adapter' });
    if (!force) throw new SpsError('INVALID_ARGUMENT', 'the output folder already holds an adapter', { location: { file: out, field: '--out' }, hint: 'pass --force to replace it, or choose another folder' });
    for (const f of entries) removeOld(join(out, f));
    return;
  }
  if (isDir) throw new SpsError('NOT_A_FILE', `a ${format} export is a file, but this path is a folder`, { location: { file: out, field: '--out' }, hint: 'give a file path for --out' });
  if (!force) throw new SpsError('INVALID_ARGUMENT', 'the output file already exists', { location: { file: out, field: '--out' }, hint: 'pass --force to replace it, or choose another path' });
  removeOld(out);
}
