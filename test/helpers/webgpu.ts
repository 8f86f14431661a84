import { probeProviders } from '../../src/engine/runtime/providers.js';
import type { ProviderName } from '../../src/engine/runtime/session.js';

/**
 * The WebGPU device the GPU tests run on: `webgpu` on a machine with a real GPU, otherwise
 * `webgpu-software` (lavapipe in CI). WebGPU is required, as Chromium is for the browser
 * tests: without an adapter the suite FAILS with what to install, so a CI image that lost
 * its Vulkan driver cannot pass by skipping the GPU path.
 */
export async function webgpuTestDevice(): Promise<ProviderName> {
  const providers = await probeProviders();
  const hw = providers.find((p) => p.name === 'webgpu');
  if (hw?.available) return 'webgpu';
  const sw = providers.find((p) => p.name === 'webgpu-software');
  if (sw?.available) return 'webgpu-software';
  throw new Error(
    `the WebGPU tests need a WebGPU adapter and none works here (${hw?.reason ?? sw?.reason ?? 'not probed'}). ` +
      'On Debian 12 install Mesa 25 from bookworm-backports (what .ci/run does): add the bookworm-backports suite to ' +
      'the apt sources, then `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`.',
  );
}
