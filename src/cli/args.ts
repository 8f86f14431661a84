import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SpsError } from '../shared/errors.js';
import { DEVICE_KINDS, type DeviceKind } from '../shared/job.js';
import { requireProvider } from '../engine/runtime/providers.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing; an unknown or malformed flag is a user error naming the flag. */
export function parseFlags<O extends Options>(argv: string[], options: O, command: string): ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    // Node's messages can span lines (e.g. an ambiguous "--lr -1"); errors print as one line.
    throw new SpsError('INVALID_ARGUMENT', (e as Error).message.replace(/\s*\n\s*/g, ' '), { hint: `run \`sps ${command} --help\`` });
  }
}

export function requireFlag(value: string | undefined, flag: string, command: string): string {
  if (value === undefined || value === '') throw new SpsError('INVALID_ARGUMENT', `--${flag} is required`, { location: { field: `--${flag}` }, hint: `run \`sps ${command} --help\`` });
  return value;
}

export function intFlag(value: string | undefined, flag: string, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new SpsError('INVALID_ARGUMENT', `--${flag} must be an integer ≥ ${min}, got "${value}"`, { location: { field: `--${flag}` } });
  return n;
}

/**
 * `--device`: one of the job's device kinds, refused before any model loads when it cannot
 * run here (a software WebGPU adapter only as `webgpu-software`).
 */
export async function deviceFlag(value: string | undefined): Promise<DeviceKind> {
  const device = choiceFlag(value, 'device', DEVICE_KINDS, 'cpu');
  await requireProvider(device);
  return device;
}

export function choiceFlag<T extends string>(value: string | undefined, flag: string, choices: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(choices as readonly string[]).includes(value)) throw new SpsError('INVALID_ARGUMENT', `--${flag} must be one of ${choices.join(', ')}, got "${value}"`, { location: { field: `--${flag}` } });
  return value as T;
}
