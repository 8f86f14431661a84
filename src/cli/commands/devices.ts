import { describeProvider } from '../../shared/devices.js';
import { probeProviders } from '../../engine/runtime/providers.js';
import { parseFlags } from '../args.js';
import type { CliIO } from '../io.js';

export const devicesHelp = `sps devices [--json]

Lists the execution providers (--device values) and whether each works on this machine,
probed with a tiny session; an unavailable one says why and what to do. WebGPU shows its
adapter and whether it is a real GPU or a software renderer (lavapipe, SwiftShader, WARP):
a software adapter is never used by --device webgpu, only by --device webgpu-software.`;

export async function devicesCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } }, 'devices');
  const providers = await probeProviders();
  if (values.json) {
    for (const p of providers) io.stdout(JSON.stringify(p) + '\n');
    return 0;
  }
  for (const p of providers) io.stdout(`${p.name.padEnd(16)} ${describeProvider(p)}\n`);
  return 0;
}
