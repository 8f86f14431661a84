import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { readSafetensorsHeader, readTensorAsFloat64 } from '../weights/safetensors_read.js';
import { encodeSafetensors } from '../weights/safetensors_write.js';
import { fsyncDir, randomSuffix, writeFileDurable } from './durable_fs.js';
import type { AdamWState } from './optimizer.js';
import { PROMPT_TENSOR } from './prompt_file.js';
import { runPaths } from './run_dir.js';
import { softPrompt, type SoftPrompt } from './soft_prompt.js';

/**
 * Crash-safe checkpoints (DESIGN.md §3 "Runs on disk").
 *
 * Protocol: every file goes into checkpoints/.tmp-step-N-<random>/ and is fsync'ed;
 * manifest.json (sizes + SHA-256 of every file) is written LAST and fsync'ed; the folder
 * is renamed to step-N and the parent fsync'ed. A folder therefore either has a manifest
 * that verifies, or it is an interrupted write — and readLatestCheckpoint simply falls
 * back to the newest one that verifies. Hashes also catch later damage (a partial copy,
 * a flipped bit on a shared/zipped run), which sizes alone would miss.
 * Everything is float64 so a resume reproduces the uninterrupted run bit for bit.
 */

export const CHECKPOINT_FORMAT = 'sps-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MANIFEST = 'manifest.json';
const PROMPT_FILE = 'prompt.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'state.json';
const REQUIRED_FILES = [PROMPT_FILE, OPTIMIZER_FILE, STATE_FILE] as const;
const STEP_DIR = /^step-(0|[1-9][0-9]*)$/;

export interface CheckpointPayload {
  prompt: SoftPrompt;
  optimizer: AdamWState;
  /** Trainer's JSON state: data-order position, epoch, RNG state, best metric, skipped count… */
  trainerState: Record<string, unknown>;
}

export interface LoadedCheckpoint extends CheckpointPayload {
  /** The training step the checkpoint was taken at (from its manifest). */
  step: number;
  dir: string;
}

export interface SkippedCheckpoint {
  dir: string;
  reason: string;
}

export interface ManifestFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  step: number;
  files: ManifestFile[];
}

/**
 * Test hook for crash simulation: called after each file is durable (its name), and with
 * 'swap' after an existing target has been moved aside but before the new one is renamed in.
 * Throwing from it leaves the disk exactly as a crash at that point would.
 */
export interface CheckpointWriteOptions {
  onStage?: (stage: string) => void;
}

/** Writes checkpoints/step-N atomically (replacing an existing step-N); returns its path. */
export function writeCheckpoint(runDir: string, step: number, payload: CheckpointPayload, opts: CheckpointWriteOptions = {}): string {
  if (!Number.isSafeInteger(step) || step < 0) throw new SpsError('INTERNAL', `writeCheckpoint: step must be a whole number ≥ 0, got ${step}`);
  const { prompt, optimizer } = payload;
  const size = prompt.numVirtualTokens * prompt.dim;
  if (optimizer.m.length !== size || optimizer.v.length !== size) {
    throw new SpsError('INTERNAL', `writeCheckpoint: optimizer moments have ${optimizer.m.length}/${optimizer.v.length} values, prompt has ${size}`);
  }
  const files: [string, Uint8Array][] = [
    [PROMPT_FILE, encodeSafetensors([{ name: PROMPT_TENSOR, dtype: 'F64', shape: [prompt.numVirtualTokens, prompt.dim], data: prompt.data }], { format: 'pt' })],
    [
      OPTIMIZER_FILE,
      encodeSafetensors(
        [
          { name: 'm', dtype: 'F64', shape: [prompt.numVirtualTokens, prompt.dim], data: optimizer.m },
          { name: 'v', dtype: 'F64', shape: [prompt.numVirtualTokens, prompt.dim], data: optimizer.v },
        ],
        { format: 'pt' },
      ),
    ],
    [STATE_FILE, Buffer.from(JSON.stringify({ step, optimizerStep: optimizer.step, trainerState: payload.trainerState }, null, 2) + '\n', 'utf8')],
  ];
  const parent = runPaths(runDir).checkpoints;
  mkdirSync(parent, { recursive: true });
  return commitDir(parent, `step-${step}`, step, files, opts);
}

/**
 * Writes `files` + manifest into parent/.tmp-<name>-<random>/, then swaps it in as
 * parent/<name>. rename() cannot replace a non-empty folder, so an existing target is first
 * renamed aside (.old-<name>-<random>) and deleted only after the new one is in place: a
 * crash in between loses at most this one name, never an older checkpoint.
 */
function commitDir(parent: string, name: string, step: number, files: readonly [string, Uint8Array][], opts: CheckpointWriteOptions): string {
  const tmp = join(parent, `.tmp-${name}-${randomSuffix()}`);
  mkdirSync(tmp);
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, step, files: [] };
  for (const [file, data] of files) {
    writeFileDurable(join(tmp, file), data);
    manifest.files.push({ name: file, bytes: data.byteLength, sha256: sha256(data) });
    opts.onStage?.(file);
  }
  writeFileDurable(join(tmp, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  opts.onStage?.(MANIFEST);
  fsyncDir(tmp);
  const target = join(parent, name);
  let old: string | undefined;
  if (existsSync(target)) {
    old = join(parent, `.old-${name}-${randomSuffix()}`);
    renameSync(target, old);
    opts.onStage?.('swap');
  }
  renameSync(tmp, target);
  fsyncDir(parent);
  if (old) rmSync(old, { recursive: true, force: true });
  return target;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Why `dir` is not a usable checkpoint, or undefined if its manifest verifies. */
export function verifyCheckpointDir(dir: string, expectStep?: number): string | undefined {
  try {
    readManifestVerified(dir, expectStep);
    return undefined;
  } catch (err) {
    return reasonOf(err);
  }
}

function reasonOf(err: unknown): string {
  return err instanceof CorruptCheckpoint ? err.message : `cannot be read: ${(err as Error).message}`;
}

class CorruptCheckpoint extends Error {}

function readManifestVerified(dir: string, expectStep: number | undefined): CheckpointManifest {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) throw new CorruptCheckpoint('no manifest.json (the write did not finish)');
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new CorruptCheckpoint('manifest.json is not valid JSON');
  }
  const man = m as Partial<CheckpointManifest>;
  if (typeof m !== 'object' || m === null || man.format !== CHECKPOINT_FORMAT) throw new CorruptCheckpoint('manifest.json is not a checkpoint manifest');
  if (man.version !== CHECKPOINT_VERSION) throw new CorruptCheckpoint(`manifest version ${String(man.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (!Number.isSafeInteger(man.step) || (man.step as number) < 0) throw new CorruptCheckpoint('manifest has no valid step');
  if (expectStep !== undefined && man.step !== expectStep) throw new CorruptCheckpoint(`manifest says step ${String(man.step)} but the folder is step ${expectStep}`);
  if (!Array.isArray(man.files)) throw new CorruptCheckpoint('manifest lists no files');
  for (const req of REQUIRED_FILES) if (!man.files.some((f) => f?.name === req)) throw new CorruptCheckpoint(`manifest does not list ${req}`);
  for (const f of man.files as unknown[]) {
    const entry = f as Partial<ManifestFile> | null;
    // Names are plain file names: a shared run must not make us read outside its folder.
    if (typeof entry?.name !== 'string' || basename(entry.name) !== entry.name || entry.name === '..' || entry.name === '.' || entry.name === MANIFEST) {
      throw new CorruptCheckpoint(`manifest has an invalid file entry ${JSON.stringify(f)}`);
    }
    const path = join(dir, entry.name);
    if (!existsSync(path)) throw new CorruptCheckpoint(`${entry.name} is missing`);
    const actual = statSync(path).size;
    if (actual !== entry.bytes) throw new CorruptCheckpoint(`${entry.name} has ${actual} bytes, manifest says ${String(entry.bytes)} (truncated or partial)`);
    if (sha256(readFileSync(path)) !== entry.sha256) throw new CorruptCheckpoint(`${entry.name} does not match its SHA-256 in the manifest (damaged)`);
  }
  return man as CheckpointManifest;
}

/**
 * Loads a checkpoint folder (checkpoints/step-N, best/ or final/) after verifying its
 * manifest; throws SpsError INVALID_DATA with the reason if it does not verify.
 */
export function loadCheckpointDir(dir: string, expectStep?: number): LoadedCheckpoint {
  try {
    const man = readManifestVerified(dir, expectStep);
    const pst = readSafetensorsHeader(join(dir, PROMPT_FILE));
    const pInfo = pst.tensors.get(PROMPT_TENSOR);
    if (!pInfo || pInfo.dtype !== 'F64' || pInfo.shape.length !== 2) throw new CorruptCheckpoint(`${PROMPT_FILE} has no F64 [n, d] ${PROMPT_TENSOR}`);
    const [n, d] = pInfo.shape as [number, number];
    const ost = readSafetensorsHeader(join(dir, OPTIMIZER_FILE));
    const mInfo = ost.tensors.get('m');
    const vInfo = ost.tensors.get('v');
    for (const info of [mInfo, vInfo]) {
      if (!info || info.dtype !== 'F64' || info.byteLength !== n * d * 8) throw new CorruptCheckpoint(`${OPTIMIZER_FILE} moments do not match the prompt [${n}, ${d}]`);
    }
    const st = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as { step?: unknown; optimizerStep?: unknown; trainerState?: unknown };
    if (st.step !== man.step || !Number.isSafeInteger(st.optimizerStep) || typeof st.trainerState !== 'object' || st.trainerState === null) {
      throw new CorruptCheckpoint(`${STATE_FILE} does not match the manifest`);
    }
    return {
      step: man.step,
      dir,
      // slice(): own, aligned copies independent of the read buffers.
      prompt: softPrompt(n, d, readTensorAsFloat64(pInfo).slice()),
      optimizer: { step: st.optimizerStep as number, m: readTensorAsFloat64(mInfo!).slice(), v: readTensorAsFloat64(vInfo!).slice() },
      trainerState: st.trainerState as Record<string, unknown>,
    };
  } catch (err) {
    throw new SpsError('INVALID_DATA', `checkpoint ${reasonOf(err)}`, {
      location: { file: dir },
      hint: 'resume from an earlier checkpoint',
      cause: err,
    });
  }
}

/** Steps of the checkpoints/step-N folders, newest first (unverified). */
export function listCheckpointSteps(runDir: string): number[] {
  const parent = runPaths(runDir).checkpoints;
  if (!existsSync(parent)) return [];
  const steps: number[] = [];
  for (const e of readdirSync(parent, { withFileTypes: true })) {
    const m = e.isDirectory() ? STEP_DIR.exec(e.name) : null;
    if (m) steps.push(Number(m[1]));
  }
  return steps.sort((a, b) => b - a);
}

function leftoverDirs(parent: string): string[] {
  if (!existsSync(parent)) return [];
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (e.name.startsWith('.tmp-') || e.name.startsWith('.old-')))
    .map((e) => join(parent, e.name))
    .sort();
}

/**
 * The newest checkpoint that verifies and loads. Newer ones that do not, and leftover
 * .tmp-/.old- folders of interrupted writes, are listed in `skipped` with the reason (the
 * UI/log shows them; they are never deleted here). Older valid ones are not examined.
 */
export function readLatestCheckpoint(runDir: string): { checkpoint: LoadedCheckpoint | undefined; skipped: SkippedCheckpoint[] } {
  const parent = runPaths(runDir).checkpoints;
  const skipped: SkippedCheckpoint[] = leftoverDirs(parent).map((dir) => ({ dir, reason: 'leftover of an interrupted checkpoint write' }));
  for (const step of listCheckpointSteps(runDir)) {
    const dir = join(parent, `step-${step}`);
    try {
      return { checkpoint: loadCheckpointDir(dir, step), skipped };
    } catch (err) {
      // The bare reason (the SpsError's message also carries the folder, already in `dir`).
      skipped.push({ dir, reason: err instanceof SpsError && err.cause !== undefined ? reasonOf(err.cause) : (err as Error).message });
    }
  }
  return { checkpoint: undefined, skipped };
}

/**
 * Keeps the newest `keepLast` checkpoints that VERIFY and deletes the step folders older
 * than the oldest kept one, plus leftover .tmp-/.old- folders (call it from the single
 * writer, after writeCheckpoint). Counting only verified ones means a run of corrupt newest
 * folders can never get the last good checkpoint deleted. Returns the removed paths.
 */
export function pruneCheckpoints(runDir: string, keepLast: number): string[] {
  if (!Number.isInteger(keepLast) || keepLast < 1) {
    throw new SpsError('INVALID_CONFIG', `must keep at least one checkpoint, got ${keepLast}`, { location: { field: 'keep_checkpoints' } });
  }
  const parent = runPaths(runDir).checkpoints;
  const removed: string[] = [];
  let kept = 0;
  for (const step of listCheckpointSteps(runDir)) {
    const dir = join(parent, `step-${step}`);
    if (kept >= keepLast) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } else if (verifyCheckpointDir(dir, step) === undefined) {
      kept++;
    }
  }
  for (const dir of leftoverDirs(parent)) {
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  if (removed.length > 0) fsyncDir(parent);
  return removed;
}

/**
 * Copies a verified checkpoints/step-N to runDir/best or runDir/final with the same
 * protocol (temp folder, fsync'ed files, manifest last, rename, parent fsync). The bytes
 * are re-hashed as they are copied, so a copy of a damaged source cannot be produced.
 * Load it back with loadCheckpointDir(runPaths(runDir).best).
 */
export function copyCheckpointTo(runDir: string, step: number, target: 'best' | 'final', opts: CheckpointWriteOptions = {}): string {
  const src = join(runPaths(runDir).checkpoints, `step-${step}`);
  const reason = verifyCheckpointDir(src, step);
  if (reason !== undefined) {
    throw new SpsError('INVALID_DATA', `cannot copy checkpoint step ${step} to ${target}/: ${reason}`, { location: { file: src } });
  }
  const man = JSON.parse(readFileSync(join(src, MANIFEST), 'utf8')) as CheckpointManifest;
  const files: [string, Uint8Array][] = man.files.map((f) => {
    const data = readFileSync(join(src, f.name));
    if (sha256(data) !== f.sha256) throw new SpsError('INVALID_DATA', `checkpoint file ${f.name} changed while being copied`, { location: { file: src } });
    return [f.name, data];
  });
  const parent = dirname(runPaths(runDir)[target]);
  // Leftovers of an earlier interrupted copy to this target: same single writer, safe to drop.
  for (const e of readdirSync(parent, { withFileTypes: true })) {
    if (e.isDirectory() && (e.name.startsWith(`.tmp-${target}-`) || e.name.startsWith(`.old-${target}-`))) rmSync(join(parent, e.name), { recursive: true, force: true });
  }
  return commitDir(parent, target, man.step, files, opts);
}
