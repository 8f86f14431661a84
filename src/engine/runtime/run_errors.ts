import { SpsError } from '../../shared/errors.js';
import type { ProviderName } from './session.js';

/**
 * What onnxruntime and the GPU drivers say when memory runs out during a run: the CPU/CUDA
 * arena ("Failed to allocate memory for requested buffer"), WebGPU ("device error(2): Out of
 * memory", Vulkan's VK_ERROR_OUT_OF_DEVICE_MEMORY, then "invalid due to a previous error" for
 * every buffer after it), a buffer over the adapter's size limit, C++'s bad_alloc.
 */
const OUT_OF_MEMORY = [/out of (device )?memory/i, /OUT_OF_(DEVICE|HOST)_MEMORY/, /failed to allocate memory/i, /bad_alloc/, /exceeds the max buffer size limit/i, /invalid due to a previous error/i];

/**
 * A failed session run as the user should see it: out-of-memory errors become OUT_OF_MEMORY
 * with what to lower on that device (the original message stays as the cause); anything else
 * is returned as it was.
 */
export function explainRunError(err: unknown, provider: ProviderName, graphName: string): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (!OUT_OF_MEMORY.some((re) => re.test(message))) return err;
  const onGpu = provider !== 'cpu';
  const where = onGpu ? `the GPU (${provider})` : 'this machine';
  const hint = onGpu
    ? 'lower the batch size or the maximum length, set SPS_DEVICE_MEMORY_GB below what the card has free (fewer weights stay on it), close other programs using the GPU, or use --device cpu'
    : 'lower the batch size or the maximum length, or close other programs';
  return new SpsError('OUT_OF_MEMORY', `${where} ran out of memory while running ${graphName}: ${firstLine(message)}`, { hint, cause: err });
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? s;
