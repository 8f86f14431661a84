#!/usr/bin/env bash
# Runs on the GPU machine (see bundle.sh): unpack Node, onnxruntime and the Vulkan loader,
# then the WebGPU/CPU check and the PyTorch + PEFT CUDA reference on the same model.
set -uo pipefail
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
unxz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
mkdir -p /tmp/sps && unxz .dev/node.xz /tmp/sps/node && chmod +x /tmp/sps/node
lib=.dev/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
[ -f $lib/libonnxruntime.so.1 ] || unxz $lib/libonnxruntime.so.1.xz $lib/libonnxruntime.so.1
for f in .dev/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
cp .dev/gpu_check.mjs .dev/check.mjs
NODE_PATH=.dev/node_modules timeout 330 /tmp/sps/node .dev/check.mjs .dev/models "$OUT" 2>&1 | grep -v "^    at " | tee "$OUT/node.log"
[ -n "${SKIP_REF:-}" ] || PYTHONUNBUFFERED=1 timeout 150 python3 bench/reference/peft_train_step.py /tmp/smollm2-135m-shape --device cuda --threads 16 --steps 10 --out "$OUT/peft_cuda.json" 2>&1 | tail -25
