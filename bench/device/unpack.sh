# Sourced by the device scripts: unpacks what bundle.sh packed (Node, onnxruntime's library,
# the Vulkan loader) and points Vulkan at the NVIDIA driver's ICD.
unxz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
mkdir -p /tmp/sps && unxz .dev/node.xz /tmp/sps/node && chmod +x /tmp/sps/node
lib=.dev/node_modules/onnxruntime-node/bin/napi-v6/linux/x64
[ -f $lib/libonnxruntime.so.1 ] || unxz $lib/libonnxruntime.so.1.xz $lib/libonnxruntime.so.1
for f in .dev/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
ls /usr/local/nvidia/share/vulkan/icd.d/ /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null
[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ] && export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
