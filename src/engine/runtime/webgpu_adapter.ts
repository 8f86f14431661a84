import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { serializeModel } from '../onnx/serialize.js';

/** What drives WebGPU here: a real GPU, a software renderer on the CPU, or not identified. */
export type AdapterKind = 'gpu' | 'software' | 'unknown';

export interface WebGpuAdapter {
  /** The device name the driver reports (e.g. "NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)"). */
  name?: string;
  /** The driver library or backend it came from, when known. */
  driver?: string;
  kind: AdapterKind;
  /** Half-precision kernels run on it (WebGPU's `shader-f16`). */
  shaderF16: boolean;
}

export type WebGpuProbe = { ok: true; adapter: WebGpuAdapter } | { ok: false; reason: string };

/**
 * Software renderers that expose WebGPU: Mesa's lavapipe (its Vulkan device is called
 * "llvmpipe"), softpipe, Google's SwiftShader, Microsoft's WARP ("Microsoft Basic Render
 * Driver"). Each runs the GPU's work on the CPU, tens of times slower than our CPU provider.
 */
const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|microsoft basic (render|display)/i;

export function adapterKind(name: string | undefined): AdapterKind {
  if (!name) return 'unknown';
  return SOFTWARE_ADAPTER.test(name) ? 'software' : 'gpu';
}

/**
 * The device Dawn opened, from the Vulkan loader's layer log (VK_LOADER_DEBUG=layer prints
 * `Using "<device name>" with driver: "<library>"` when a device is created). onnxruntime-node
 * has no API for the adapter's identity, so this is how we learn it on Linux.
 */
export function parseVulkanLoaderLog(log: string): { name: string; driver: string } | undefined {
  const matches = [...log.matchAll(/Using "([^"]+)" with driver: "([^"]+)"/g)];
  const last = matches.at(-1);
  return last ? { name: last[1]!, driver: last[2]! } : undefined;
}

/** Windows: the display adapters; WARP is the only one on machines without a GPU driver. */
export function classifyWindowsAdapters(names: readonly string[]): { name?: string; kind: AdapterKind } {
  const real = names.find((n) => n.trim() && !SOFTWARE_ADAPTER.test(n));
  if (real) return { name: real.trim(), kind: 'gpu' };
  const soft = names.find((n) => n.trim());
  return soft ? { name: soft.trim(), kind: 'software' } : { kind: 'unknown' };
}

function probeModels(): { f32: string; f16: string } {
  const f32 = new Graph('probe_f32');
  f32.output(op.add(f32.input('x', 'float32', [2]), 1), 'y');
  const f16 = new Graph('probe_f16');
  const h = f16.input('x', 'float16', [2]);
  f16.output(op.mul(h, h), 'y');
  return { f32: Buffer.from(serializeModel(f32)).toString('base64'), f16: Buffer.from(serializeModel(f16)).toString('base64') };
}

/**
 * Runs in a child Node process (so the Vulkan loader's log goes to a stderr we can read):
 * a float32 session on WebGPU, then a float16 one with CPU fallback disabled.
 */
const CHILD = `
const ort = require(process.argv[1]);
const [f32, f16] = [process.argv[2], process.argv[3]].map((b) => Buffer.from(b, 'base64'));
(async () => {
  const opts = (extra) => ({ executionProviders: ['webgpu'], logSeverityLevel: 3, extra: { session: extra } });
  try {
    const s = await ort.InferenceSession.create(f32, opts({}));
    const y = (await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) })).y.data;
    await s.release();
    if (y[0] !== 2 || y[1] !== 3) throw new Error('WebGPU gave wrong results on a probe');
  } catch (e) {
    process.stdout.write(JSON.stringify({ ok: false, reason: String(e && e.message || e).slice(0, 300) }));
    return;
  }
  let shaderF16 = false;
  try {
    const s = await ort.InferenceSession.create(f16, opts({ disable_cpu_ep_fallback: '1' }));
    const y = (await s.run({ x: new ort.Tensor('float16', Uint16Array.from([0x3c00, 0x4000]), [2]) })).y.data;
    await s.release();
    shaderF16 = y[0] === 0x3c00 && y[1] === 0x4400;
  } catch {}
  process.stdout.write(JSON.stringify({ ok: true, shaderF16 }));
})();
`;

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20, windowsHide: true }, (error, stdout, stderr) => resolve({ stdout, stderr, ...(error ? { error } : {}) }));
  });
}

async function windowsAdapterNames(): Promise<string[]> {
  const r = await run('powershell.exe', ['-NoProfile', '-Command', '(Get-CimInstance Win32_VideoController).Name'], process.env, 10_000);
  return r.error ? [] : r.stdout.split(/\r?\n/);
}

/**
 * Probes WebGPU in a child process: does a session run, which adapter did Dawn pick, is it a
 * real GPU, does it run float16. Takes about a second; callers cache it (providers.ts).
 */
export async function probeWebGpu(timeoutMs = 60_000): Promise<WebGpuProbe> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const models = probeModels();
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', VK_LOADER_DEBUG: 'layer' };
  const r = await run(process.execPath, ['-e', CHILD, ortPath, models.f32, models.f16], env, timeoutMs);
  let result: { ok: boolean; reason?: string; shaderF16?: boolean };
  try {
    result = JSON.parse(r.stdout) as typeof result;
  } catch {
    const why = r.error?.message ?? (r.stderr.split('\n').find((l) => /error/i.test(l)) || 'no answer');
    return { ok: false, reason: `the WebGPU probe process failed: ${why.slice(0, 300)}` };
  }
  if (!result.ok) return { ok: false, reason: result.reason ?? 'unknown' };
  const vk = parseVulkanLoaderLog(r.stderr);
  let adapter: WebGpuAdapter;
  if (vk) adapter = { name: vk.name, driver: vk.driver, kind: adapterKind(vk.name), shaderF16: !!result.shaderF16 };
  else if (process.platform === 'win32') adapter = { ...classifyWindowsAdapters(await windowsAdapterNames()), driver: 'D3D12', shaderF16: !!result.shaderF16 };
  // Dawn's Metal backend has no software adapter: a working WebGPU on macOS is the GPU.
  else if (process.platform === 'darwin') adapter = { kind: 'gpu', driver: 'Metal', shaderF16: !!result.shaderF16 };
  else adapter = { kind: 'unknown', shaderF16: !!result.shaderF16 };
  return { ok: true, adapter };
}

let cached: Promise<WebGpuProbe> | undefined;

/** The WebGPU adapter, probed once per process. */
export function webgpuProbe(): Promise<WebGpuProbe> {
  cached ??= probeWebGpu();
  return cached;
}
