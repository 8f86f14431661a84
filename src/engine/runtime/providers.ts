import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { deviceMemory, type DeviceMemory } from './device_memory.js';
import { GraphSession, tensor, type ProviderName } from './session.js';
import { webgpuProbe, type WebGpuAdapter, type WebGpuProbe } from './webgpu_adapter.js';

export interface ProviderStatus {
  name: ProviderName;
  available: boolean;
  /** Why not, and what to do, when unavailable. */
  reason?: string;
  /** The WebGPU adapter behind webgpu / webgpu-software. */
  adapter?: WebGpuAdapter;
  /** Usable, but never offered or picked by itself: only when asked for by name (software adapters). */
  explicitOnly?: boolean;
  /** Half-precision compute runs on it (what `--precision auto` picks fp16 by). */
  fp16?: boolean;
  /** An available GPU's memory when probed (runtime/device_memory.ts: what the memory plan uses). */
  memory?: DeviceMemory;
}

/** Available GPU providers with the memory the plan will see for them (not the CPU, not software adapters). */
export function withDeviceMemory(statuses: readonly ProviderStatus[], memoryOf: (p: ProviderName) => DeviceMemory = (p) => deviceMemory(p)): ProviderStatus[] {
  return statuses.map((s) => (s.available && s.name !== 'cpu' && s.name !== 'webgpu-software' ? { ...s, memory: memoryOf(s.name) } : s));
}

/** A one-node graph: enough to make onnxruntime load a provider and find a device. */
function probeGraph(): Graph {
  const g = new Graph('probe');
  g.output(op.add(g.input('x', 'float32', [2]), 1), 'y');
  return g;
}

async function tryProvider(name: ProviderName): Promise<ProviderStatus> {
  try {
    const s = await GraphSession.create(probeGraph(), { provider: name });
    const out = await s.run({ x: tensor('float32', [2], Float32Array.from([1, 2])) });
    await s.release();
    const y = out.y!.data as Float32Array;
    if (y[0] !== 2 || y[1] !== 3) return { name, available: false, reason: `${name} gave wrong results on a probe` };
    return { name, available: true };
  } catch (e) {
    return { name, available: false, reason: (e as Error).message.slice(0, 300) };
  }
}

function cudaInstalled(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return existsSync(join(dirname(pkg), 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

function describeAdapter(a: WebGpuAdapter): string {
  return `${a.name ?? 'adapter not identified'}${a.driver ? ` via ${a.driver}` : ''}`;
}

/** The two WebGPU entries: a real GPU is `webgpu`; a software renderer only `webgpu-software`. */
export function webgpuStatuses(probe: WebGpuProbe): ProviderStatus[] {
  if (!probe.ok) {
    const reason = /adapter/i.test(probe.reason) ? `no WebGPU adapter was found (${probe.reason.split('\n')[0]})` : probe.reason;
    return [
      { name: 'webgpu', available: false, reason },
      { name: 'webgpu-software', available: false, reason },
    ];
  }
  const a = probe.adapter;
  if (a.kind === 'software') {
    return [
      {
        name: 'webgpu',
        available: false,
        adapter: a,
        reason: `the only WebGPU adapter here is a software renderer (${describeAdapter(a)}), tens of times slower than --device cpu; use --device cpu (or --device webgpu-software to run on it anyway)`,
      },
      { name: 'webgpu-software', available: true, adapter: a, explicitOnly: true, fp16: a.shaderF16 },
    ];
  }
  return [
    { name: 'webgpu', available: true, adapter: a, fp16: a.shaderF16 },
    { name: 'webgpu-software', available: false, adapter: a, reason: `WebGPU runs on a real GPU here (${describeAdapter(a)}): use --device webgpu` },
  ];
}

let cached: Promise<ProviderStatus[]> | undefined;

/**
 * Which execution providers work on this machine, probed once per process with a tiny
 * session (a provider that cannot load, or finds no device, says why). Training and
 * inference take the provider explicitly; nothing falls back silently.
 */
export function probeProviders(): Promise<ProviderStatus[]> {
  cached ??= (async () => {
    const out: ProviderStatus[] = [{ name: 'cpu', available: true }];
    out.push(...webgpuStatuses(await webgpuProbe()));
    if (process.platform === 'linux' && process.arch === 'x64') {
      out.push(cudaInstalled() ? { ...(await tryProvider('cuda')), fp16: true } : { name: 'cuda', available: false, reason: 'not installed: run `npm run setup:cuda` (CUDA 12 + cuDNN 9)' });
    } else {
      out.push({ name: 'cuda', available: false, reason: `onnxruntime-node publishes CUDA only for linux-x64 (this is ${process.platform}-${process.arch})` });
    }
    out.push(process.platform === 'win32' ? { name: 'dml', available: false, reason: 'DirectML is not wired into training yet' } : { name: 'dml', available: false, reason: 'DirectML exists only on Windows' });
    return withDeviceMemory(out);
  })();
  return cached;
}

/**
 * Refuses a device that cannot run here, before any model is loaded: the error says why and
 * what to use instead. `webgpu` on a software adapter is refused (use `webgpu-software`).
 */
export async function requireProvider(name: ProviderName, field = '--device'): Promise<ProviderStatus> {
  if (name === 'cpu') return { name, available: true };
  const status = (await probeProviders()).find((p) => p.name === name);
  if (!status) throw new SpsError('PROVIDER_UNAVAILABLE', `unknown device "${name}"`, { location: { field }, hint: 'run `sps devices` to list the devices' });
  if (!status.available) throw new SpsError('PROVIDER_UNAVAILABLE', `device ${name} is unavailable here: ${status.reason ?? ''}`, { location: { field }, hint: 'run `sps devices` to see what works here, or use --device cpu' });
  return status;
}
