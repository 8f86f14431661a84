import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { validateJob, type JobConfig } from '../../shared/job.js';
import { readJsonFile } from '../files.js';
import { loadModel } from '../models/load_model.js';
import { writeFileDurable } from './durable_fs.js';
import { datasetFingerprint, modelFingerprint, type DatasetFingerprint, type ModelFingerprint } from './fingerprint.js';
import { runPaths, writeStateAtomic } from './run_dir.js';

/** job.json: the job exactly as launched, with what it ran on. Never rewritten. */
export interface RunJobFile {
  job: JobConfig;
  fingerprints: { model: ModelFingerprint; train: DatasetFingerprint; validation?: DatasetFingerprint };
  createdAt: string;
  appVersion: string;
}

export const APP_VERSION = '0.1.0';

export function checkJob(job: unknown, source: string, opts: { unknownFields?: 'refuse' | 'ignore' } = {}): JobConfig {
  const errors = validateJob(job, opts);
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new SpsError('INVALID_ARGUMENT', `${errors.length} problem(s) in the job config; first: ${e.field} ${e.message}`, {
      location: { file: source, field: e.field },
      hint: errors.length > 1 ? `also: ${errors.slice(1, 4).map((x) => `${x.field} ${x.message}`).join('; ')}` : 'fix the field and try again',
    });
  }
  return job as JobConfig;
}

/**
 * Creates a run directory for a job: refuses a non-empty existing folder (a run is never
 * overwritten), checks that the model and data files open, and writes job.json and state.json.
 */
export function createRun(runDir: string, job: JobConfig): RunJobFile {
  const dir = resolve(runDir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new SpsError('NOT_A_DIRECTORY', 'the run output path is a file', { location: { file: dir, field: '--out' }, hint: 'choose a new folder for the run' });
    if (readdirSync(dir).length > 0) {
      throw new SpsError('INVALID_ARGUMENT', 'the run folder already exists and is not empty', { location: { file: dir, field: '--out' }, hint: `continue it with \`sps resume ${runDir}\`, or choose a new folder` });
    }
  }
  const model = loadModel(job.model.path);
  const abs: JobConfig = {
    ...job,
    model: { path: resolve(job.model.path) },
    data: { ...job.data, train: resolve(job.data.train), ...(job.data.validation ? { validation: resolve(job.data.validation) } : {}) },
    ...(job.prompt.initFile ? { prompt: { ...job.prompt, initFile: resolve(job.prompt.initFile) } } : {}),
  };
  for (const [field, file] of [['data.train', abs.data.train], ['data.validation', abs.data.validation]] as const) {
    if (file && !existsSync(file)) throw new SpsError('FILE_NOT_FOUND', 'the data file does not exist', { location: { file, field } });
  }
  const record: RunJobFile = {
    job: abs,
    fingerprints: {
      model: modelFingerprint(model),
      train: datasetFingerprint(abs.data.train),
      ...(abs.data.validation ? { validation: datasetFingerprint(abs.data.validation) } : {}),
    },
    createdAt: new Date().toISOString(),
    appVersion: APP_VERSION,
  };
  mkdirSync(dir, { recursive: true });
  writeFileDurable(runPaths(dir).job, JSON.stringify(record, null, 2) + '\n');
  writeStateAtomic(dir, { status: 'created', step: 0 });
  return record;
}

export function readRunJob(runDir: string): RunJobFile {
  const path = runPaths(runDir).job;
  if (!existsSync(path)) throw new SpsError('FILE_NOT_FOUND', 'this folder is not a run (no job.json)', { location: { file: resolve(runDir) }, hint: 'pass a folder made by `sps tune --out`' });
  const v = readJsonFile(path, 'run job file') as RunJobFile;
  // A run written by another version may carry fields this one does not know: read, not refused.
  checkJob(v.job, path, { unknownFields: 'ignore' });
  return v;
}
