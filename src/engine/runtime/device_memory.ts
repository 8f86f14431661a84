import { spawnSync } from 'node:child_process';
import { freemem, totalmem } from 'node:os';
import { SpsError } from '../../shared/errors.js';
import type { ProviderName } from './session.js';

/** Memory of the device a provider computes on, and where the numbers came from (shown to users). */
export interface DeviceMemory {
  freeBytes: number;
  totalBytes: number;
  source: string;
}

/** What a GPU is assumed to have free when nothing says (the smallest card the product targets). */
export const ASSUMED_DEVICE_BYTES = 8 * 2 ** 30;

/** Runs a command and returns its stdout, or undefined when it cannot run or fails. */
export type CommandRunner = (command: string, args: readonly string[]) => string | undefined;

const runCommand: CommandRunner = (command, args) => {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 5000, windowsHide: true });
  return r.status === 0 && typeof r.stdout === 'string' ? r.stdout : undefined;
};

/**
 * The memory the provider's tensors live in. onnxruntime-node's WebGPU binding reports no
 * device memory, and neither do WebGPU's adapter limits (they cap single buffers), so for an
 * NVIDIA GPU we ask `nvidia-smi` (the first GPU: the one WebGPU's high-performance adapter and
 * CUDA's device 0 are on a one-GPU machine). `SPS_DEVICE_MEMORY_GB` overrides it (another
 * vendor, another GPU, or to leave room for other programs); without either, a GPU is assumed
 * to have ASSUMED_DEVICE_BYTES free. The CPU provider and software WebGPU adapters (lavapipe,
 * SwiftShader, WARP) allocate host memory.
 */
export function deviceMemory(provider: ProviderName | undefined, env: NodeJS.ProcessEnv = process.env, run: CommandRunner = runCommand): DeviceMemory {
  const host = (source: string): DeviceMemory => ({ freeBytes: freemem(), totalBytes: totalmem(), source });
  if (!provider || provider === 'cpu') return host('host memory');
  const setting = env.SPS_DEVICE_MEMORY_GB;
  if (setting !== undefined && setting !== '') {
    const gb = Number(setting);
    if (!Number.isFinite(gb) || gb < 0) throw new SpsError('INVALID_ARGUMENT', `SPS_DEVICE_MEMORY_GB must be a number of gigabytes, got "${setting}"`, { hint: 'e.g. SPS_DEVICE_MEMORY_GB=12, or unset it' });
    return { freeBytes: gb * 2 ** 30, totalBytes: gb * 2 ** 30, source: 'SPS_DEVICE_MEMORY_GB' };
  }
  if (provider === 'webgpu-software') return host('host memory (software adapter)');
  const smi = parseNvidiaSmi(run('nvidia-smi', ['--query-gpu=memory.total,memory.used', '--format=csv,noheader,nounits']));
  if (smi) return { ...smi, source: 'nvidia-smi' };
  return { freeBytes: ASSUMED_DEVICE_BYTES, totalBytes: ASSUMED_DEVICE_BYTES, source: 'assumed (no nvidia-smi; set SPS_DEVICE_MEMORY_GB)' };
}

/** `memory.total, memory.used` in MiB, one line per GPU: the first. */
export function parseNvidiaSmi(stdout: string | undefined): { freeBytes: number; totalBytes: number } | undefined {
  const line = stdout?.split('\n').find((l) => l.trim() !== '');
  const m = line?.match(/^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*$/);
  if (!m) return undefined;
  const total = Number(m[1]) * 2 ** 20;
  const used = Number(m[2]) * 2 ** 20;
  return { totalBytes: total, freeBytes: Math.max(0, total - used) };
}
