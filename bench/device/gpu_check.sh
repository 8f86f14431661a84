#!/usr/bin/env bash
# Runs on the GPU machine (see bundle.sh): unpack Node, onnxruntime and the Vulkan loader,
# then the WebGPU/CPU check and the PyTorch + PEFT CUDA reference on the same model.
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
source "$(dirname "$0")/unpack.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
cp .dev/gpu_check.mjs .dev/check.mjs
NODE_PATH=.dev/node_modules timeout 330 /tmp/sps/node .dev/check.mjs .dev/models "$OUT" 2>&1 | grep -v "^    at " | tee "$OUT/node.log"
[ -n "${SKIP_REF:-}" ] || PYTHONUNBUFFERED=1 timeout 150 python3 bench/reference/peft_train_step.py /tmp/smollm2-135m-shape --device cuda --threads 16 --steps 10 --out "$OUT/peft_cuda.json" 2>&1 | tail -25
