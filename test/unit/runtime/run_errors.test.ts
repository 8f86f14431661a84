import { describe, expect, it } from 'vitest';
import { explainRunError } from '../../../src/engine/runtime/run_errors.js';
import { SpsError } from '../../../src/shared/errors.js';

/** Messages as onnxruntime and the drivers print them (onnxruntime issues #16307, #25195; Dawn on Vulkan). */
const OOM = [
  "Non-zero status code returned while running ReduceSum node. onnxruntime::BFCArena::AllocateRawInternal Failed to allocate memory for requested buffer of size 939524096",
  '[E:onnxruntime:Default, webgpu_context.cc:120 operator()] WebGPU device error(2): Out of memory',
  'vkAllocateMemory failed with VK_ERROR_OUT_OF_DEVICE_MEMORY',
  'Buffer size (3185049600) exceeds the max buffer size limit (1073741824)',
  "Failed to download data from buffer: [Invalid Buffer (unlabeled)] is invalid due to a previous error.",
  'std::bad_alloc',
];

describe('run errors', () => {
  it.each(OOM)('out of memory on the GPU becomes OUT_OF_MEMORY with what to lower: %s', (message) => {
    const cause = new Error(message);
    const e = explainRunError(cause, 'webgpu', 'layer_backward_saved');
    expect(e).toBeInstanceOf(SpsError);
    const s = e as SpsError;
    expect(s.code).toBe('OUT_OF_MEMORY');
    expect(s.message).toContain('the GPU (webgpu) ran out of memory while running layer_backward_saved');
    expect(s.hint).toMatch(/batch size.*SPS_DEVICE_MEMORY_GB.*--device cpu/);
    expect(s.cause).toBe(cause);
  });

  it('on the CPU the hint does not talk about GPUs', () => {
    const s = explainRunError(new Error(OOM[0]), 'cpu', 'train_step') as SpsError;
    expect(s.code).toBe('OUT_OF_MEMORY');
    expect(s.message).toContain('this machine ran out of memory while running train_step');
    expect(s.hint).not.toMatch(/GPU|SPS_DEVICE_MEMORY_GB/);
  });

  it('leaves every other error as it was', () => {
    const e = new Error('Non-zero status code returned while running Gemm node: shape mismatch');
    expect(explainRunError(e, 'webgpu', 'x')).toBe(e);
    expect(explainRunError('plain string', 'cpu', 'x')).toBe('plain string');
  });
});
