import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { GraphSession, tensor, type ProviderName } from './session.js';

export interface ProviderStatus {
  name: ProviderName;
  available: boolean;
  /** Why not, and what to do, when unavailable. */
  reason?: string;
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

let cached: Promise<ProviderStatus[]> | undefined;

/**
 * Which execution providers work on this machine, probed once per process with a tiny
 * session (a provider that cannot load, or finds no device, says why). Training and
 * inference take the provider explicitly; nothing falls back silently.
 */
export function probeProviders(): Promise<ProviderStatus[]> {
  cached ??= (async () => {
    const out: ProviderStatus[] = [{ name: 'cpu', available: true }];
    out.push(await tryProvider('webgpu'));
    if (process.platform === 'linux' && process.arch === 'x64') {
      out.push(cudaInstalled() ? { name: 'cuda', available: false, reason: 'the CUDA provider is installed but not wired into training yet' } : { name: 'cuda', available: false, reason: 'not installed: run `npm run setup:cuda` (CUDA 12 + cuDNN 9)' });
    } else {
      out.push({ name: 'cuda', available: false, reason: `onnxruntime-node publishes CUDA only for linux-x64 (this is ${process.platform}-${process.arch})` });
    }
    out.push(process.platform === 'win32' ? { name: 'dml', available: false, reason: 'DirectML is not wired into training yet' } : { name: 'dml', available: false, reason: 'DirectML exists only on Windows' });
    return out;
  })();
  return cached;
}
