import { describe, expect, it } from 'vitest';
import { webgpuStatuses, withDeviceMemory } from '../../../src/engine/runtime/providers.js';
import { adapterKind, classifyWindowsAdapters, parseVulkanLoaderLog, probeWebGpu } from '../../../src/engine/runtime/webgpu_adapter.js';
import { describeProvider, offeredProviders } from '../../../src/shared/devices.js';

describe('WebGPU adapter kind', () => {
  it('tells software renderers from real GPUs by the name their driver reports', () => {
    for (const name of ['llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa lavapipe', 'softpipe', 'SwiftShader Device (Subzero)', 'Google SwiftShader', 'Microsoft Basic Render Driver', 'Microsoft Basic Display Adapter', 'WARP']) {
      expect(adapterKind(name), name).toBe('software');
    }
    for (const name of ['NVIDIA H200', 'NVIDIA GeForce RTX 4090', 'AMD Radeon RX 7900 XTX (RADV NAVI31)', 'Intel(R) Arc(tm) A770 Graphics (DG2)', 'Apple M2 Max', 'Quadro RTX 6000 Warpspeed']) {
      expect(adapterKind(name), name).toBe('gpu');
    }
    expect(adapterKind(undefined)).toBe('unknown');
  });

  it("reads the device Dawn opened from the Vulkan loader's layer log (the last one created)", () => {
    const log = [
      'LAYER:   Insert instance layer "VK_LAYER_MESA_device_select"',
      'LAYER:   vkCreateDevice layer callstack setup to:',
      'LAYER:                   Using "NVIDIA H200" with driver: "libGLX_nvidia.so.0"',
      'LAYER:                   Using "llvmpipe (LLVM 15.0.6, 256 bits)" with driver: "libvulkan_lvp.so"',
    ].join('\n');
    expect(parseVulkanLoaderLog(log)).toEqual({ name: 'llvmpipe (LLVM 15.0.6, 256 bits)', driver: 'libvulkan_lvp.so' });
    expect(parseVulkanLoaderLog('DRIVER: nothing here')).toBeUndefined();
  });

  it('on Windows, WARP counts as the adapter only when no real display adapter exists', () => {
    expect(classifyWindowsAdapters(['Microsoft Basic Display Adapter', ''])).toEqual({ name: 'Microsoft Basic Display Adapter', kind: 'software' });
    expect(classifyWindowsAdapters(['Microsoft Basic Render Driver', 'NVIDIA GeForce RTX 3060\r'])).toEqual({ name: 'NVIDIA GeForce RTX 3060', kind: 'gpu' });
    expect(classifyWindowsAdapters([])).toEqual({ kind: 'unknown' });
  });

  it('a software adapter is only webgpu-software (asked for by name); a real GPU is webgpu', () => {
    const soft = webgpuStatuses({ ok: true, adapter: { name: 'llvmpipe (LLVM 19)', driver: 'libvulkan_lvp.so', kind: 'software', shaderF16: true } });
    expect(soft.map((s) => [s.name, s.available, !!s.explicitOnly])).toEqual([['webgpu', false, false], ['webgpu-software', true, true]]);
    expect(soft[0]!.reason).toMatch(/software renderer \(llvmpipe.*--device cpu.*--device webgpu-software/);
    // The wizard never offers it, unless the job already names it.
    const all = [{ name: 'cpu' as const, available: true }, ...soft];
    expect(offeredProviders(all, 'cpu').map((p) => p.name)).toEqual(['cpu', 'webgpu']);
    expect(offeredProviders(all, 'webgpu-software').map((p) => p.name)).toEqual(['cpu', 'webgpu', 'webgpu-software']);
    expect(describeProvider(soft[1]!)).toBe('available: llvmpipe (LLVM 19) [software renderer, libvulkan_lvp.so]; fp16; only when asked for by name');

    const gpu = webgpuStatuses({ ok: true, adapter: { name: 'NVIDIA H200', driver: 'libGLX_nvidia.so.0', kind: 'gpu', shaderF16: true } });
    expect(gpu.map((s) => [s.name, s.available])).toEqual([['webgpu', true], ['webgpu-software', false]]);
    expect(describeProvider(gpu[0]!)).toBe('available: NVIDIA H200 [GPU, libGLX_nvidia.so.0]; fp16');
    // With the memory the plan sees: on available GPUs only (not the CPU, not a software adapter).
    const memory = { freeBytes: 100 * 2 ** 30, totalBytes: 139.8 * 2 ** 30, source: 'nvidia-smi' };
    const withMemory = withDeviceMemory([{ name: 'cpu', available: true }, ...gpu, ...soft], () => memory);
    expect(withMemory.map((p) => !!p.memory)).toEqual([false, true, false, false, false]);
    expect(describeProvider(withMemory[1]!)).toBe('available: NVIDIA H200 [GPU, libGLX_nvidia.so.0]; 100.0 GiB free of 139.8 GiB (nvidia-smi); fp16');

    const none = webgpuStatuses({ ok: false, reason: 'Failed to get a WebGPU adapter: No supported adapters' });
    expect(none.every((s) => !s.available && /no WebGPU adapter was found/.test(s.reason!))).toBe(true);
  });

  it('probes this machine: a WebGPU adapter exists and is identified (lavapipe in CI)', async () => {
    const probe = await probeWebGpu();
    if (!probe.ok) throw new Error(`no WebGPU adapter: ${probe.reason} (install Mesa 25 from bookworm-backports, see README)`);
    expect(probe.adapter.kind).not.toBe('unknown');
    expect(probe.adapter.name).toMatch(/\S/);
    if (/llvmpipe/.test(probe.adapter.name!)) {
      expect(probe.adapter.kind).toBe('software');
      expect(probe.adapter.driver).toMatch(/lvp/);
    }
  }, 60_000);
});
