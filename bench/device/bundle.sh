#!/usr/bin/env bash
# Packs what bench/device/gpu_check.ts needs on a bare GPU machine (no Node, no network) into
# .dev/ (excluded from git): a Node binary, the check bundled into one file, onnxruntime-node's
# Linux x64 libraries, the Vulkan loader packages, and the stories260K model.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .dev && mkdir -p .dev/node_modules .dev/models .dev/gl
grep -qx '/.dev/' .git/info/exclude 2>/dev/null || echo '/.dev/' >> .git/info/exclude
npx esbuild bench/device/gpu_check.ts --bundle --platform=node --format=esm --target=node20 \
  --external:onnxruntime-node --outfile=.dev/gpu_check.mjs \
  --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
ort=node_modules/onnxruntime-node
mkdir -p .dev/node_modules/onnxruntime-node/bin/napi-v6/linux
cp -r $ort/package.json $ort/dist $ort/lib .dev/node_modules/onnxruntime-node/ 2>/dev/null || cp -r $ort/package.json $ort/dist .dev/node_modules/onnxruntime-node/
cp -r $ort/bin/napi-v6/linux/x64 .dev/node_modules/onnxruntime-node/bin/napi-v6/linux/
# 64 MiB travel limit: the runtime library goes compressed (unpack: see gpu_check.sh).
xz -T2 -6 .dev/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
cp -r node_modules/onnxruntime-common .dev/node_modules/
cp -r resources/models/stories260K .dev/models/
xz -T2 -3 -c "$(readlink -f "$(command -v node)")" > .dev/node.xz
( mkdir -p /tmp/amd64/partial; o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq; cd .dev/gl && apt-get $o download -qq libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 )
du -sh .dev
# The CLI and its training worker, for a full `sps tune --device webgpu` run there.
npx esbuild src/cli/sps.ts --bundle --platform=node --format=esm --target=node20 --external:onnxruntime-node \
  --outfile=.dev/sps.mjs --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" --log-level=warning
npx esbuild src/worker/train_worker.ts --bundle --platform=node --format=esm --target=node20 --external:onnxruntime-node \
  --outfile=.dev/train_worker.js --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" --log-level=warning
# The device bench (bench/device/run.sh).
npx esbuild bench/device/device_bench.ts --bundle --platform=node --format=esm --target=node20 --external:onnxruntime-node \
  --outfile=.dev/device_bench.mjs --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" --log-level=warning
echo '{"type":"module"}' > .dev/package.json
du -sh .dev
