import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../../src/engine/runtime/session.js';
import { readSoftPrompt, writeSoftPrompt } from '../../../src/engine/tuning/prompt_file.js';
import { randomPrompt, sps } from '../cli/cli_helpers.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { webgpuTestDevice } from '../../helpers/webgpu.js';

// stories260K's README ("Expected greedy output"): the first 40 greedy ids from BOS.
const README_IDS_40 = [
  403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337,
  410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352,
];

let device: ProviderName;
beforeAll(async () => {
  device = await webgpuTestDevice();
});

describe('sps generate and sps grad on WebGPU', () => {
  const model = storiesModelDir();
  const tmp = useTempDir('sps-webgpu-cli-');

  it('KV-cache greedy generation gives the README ids', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '40', '--device', device, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { ids: number[] }).ids).toEqual(README_IDS_40);
  }, 120_000);

  it('sps grad --device gives the CPU provider loss and gradient', async () => {
    const prompt = join(tmp(), 'prompt.safetensors');
    writeSoftPrompt(prompt, randomPrompt(4, 64, 3), 'F32');
    const data = join(tmp(), 'data.jsonl');
    writeFileSync(data, ['{"input":"Once upon a time","output":" there was a girl."}', '{"text":"Lily loved to play outside in the park."}'].join('\n') + '\n');
    const run = async (dev: string) => {
      const out = join(tmp(), `grad-${dev}.safetensors`);
      const r = await sps('grad', '--model', model, '--soft-prompt', prompt, '--data', data, '--device', dev, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      return { loss: (JSON.parse(r.stdout) as { loss: number }).loss, grad: readSoftPrompt(out).data };
    };
    const cpu = await run('cpu');
    const gpu = await run(device);
    expect(Math.abs(gpu.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
    const [a, b] = [cpu.grad, gpu.grad];
    const maxAbs = Math.max(...Array.from(a, Math.abs));
    const maxDiff = Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));
    expect(maxDiff / maxAbs).toBeLessThan(1e-4);
  }, 120_000);

  it('--dtype float64 is refused on a GPU device, naming the flag', async () => {
    const r = await sps('generate', '--model', model, '--max-new-tokens', '1', '--device', device, '--dtype', 'float64');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--dtype.*float64 runs only on the CPU provider/);
  }, 60_000);
});
