#!/usr/bin/env node
// Opt-in: download onnxruntime-node's CUDA execution provider (Linux x64, CUDA 12 + cuDNN 9).
// `npm install` skips this on purpose: it fetches large libraries from NuGet, which offline
// machines and CI cannot reach. Run `npm run setup:cuda` once on a CUDA machine.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(`setup:cuda: the CUDA provider is only published for linux-x64 (this is ${process.platform}-${process.arch}).`);
  process.exit(1);
}
// The environment variable wins over the flag in onnxruntime-node's script, so set it here.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12' };
const r = spawnSync(process.execPath, [join(ortDir, 'script', 'install.js')], { stdio: 'inherit', cwd: ortDir, env });
process.exit(r.status ?? 1);
