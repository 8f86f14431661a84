#!/usr/bin/env bash
# The device bench in one script (at most ~8 minutes on a GPU machine with no network):
# our train step on WebGPU in fp32 and fp16, keep-everything and layer-wise (STRATEGIES=…), next
# to PyTorch + PEFT (fp32 and bf16 autocast, CUDA) for SmolLM2-135M, Qwen2.5-0.5B and
# Qwen2.5-1.5B shapes: step time, tokens/s, peak device memory, host↔device bytes per step,
# ratios. Results and the table go to $OUT (ours.json, peft.json, report.md).
#
# On the GPU machine: `bash bench/device/bundle.sh` here first (packs .dev/: Node, onnxruntime,
# the Vulkan loader, the bundled bench), carry the repo + .dev, then `bash bench/device/run.sh`.
# Here, on lavapipe with small shapes (PyTorch on the CPU stands in for CUDA):
#   SHAPES=tiny-llama,tiny-qwen2 DEVICE=webgpu-software bash bench/device/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
SHAPES=${SHAPES:-smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b}
DEVICE=${DEVICE:-webgpu}
export BENCH_MODELS=${BENCH_MODELS:-/tmp/sps-bench-models}
if [ -f .dev/device_bench.mjs ]; then
  source bench/device/unpack.sh
  export NODE_PATH=.dev/node_modules
  ours=(/tmp/sps/node .dev/device_bench.mjs)
else
  ours=(npx tsx bench/device/device_bench.ts)
fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>/dev/null || echo "no nvidia-smi: device memory is not measured"
start=$(date +%s)
# Ours first: it writes the random-weight shape folders both legs load.
timeout 330 "${ours[@]}" "$OUT" "$SHAPES" "$DEVICE" 2>&1 | grep -v '^Warning: maxDynamic' | tee "$OUT/ours.log"
PYTHONUNBUFFERED=1 timeout 120 python3 bench/device/peft_device.py "$OUT/peft.json" "$BENCH_MODELS" "$SHAPES" 2>&1 | grep -v 'Loading weights' | tee "$OUT/peft.log"
python3 bench/device/report.py "$OUT/ours.json" "$OUT/peft.json" | tee "$OUT/report.md"
echo "device bench: $(( $(date +%s) - start )) s"
