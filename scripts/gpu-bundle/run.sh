#!/bin/sh
# bench:gpu on this machine's GPU: the engine on WebGPU (Dawn, Vulkan) in Node, in <= 8 minutes.
# Needs only a POSIX shell and xz (or a tar that reads .xz) and the GPU's Vulkan driver; it
# carries Node and the Vulkan loader. Results: ./bench/gpu.json and the printed table.
#   sh run.sh            full run (tiny-gpt2 and GPT-2-small-shaped, PyTorch CUDA where installed)
#   sh run.sh --quick    the short form CI runs on SwiftShader
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# Node: the machine's own if it is 20 or later, else the one carried here (unpacked once).
NODE=""
if command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  NODE=node
else
  if [ ! -x "$here/node/node" ]; then
    if command -v xz >/dev/null 2>&1; then
      xz -dc "$here/node/node.tar.xz" | (cd "$here/node" && tar -xf -)
    else
      (cd "$here/node" && tar -xJf node.tar.xz)
    fi
  fi
  NODE="$here/node/node"
fi

# The Vulkan loader carried here (Debian's libvulkan1), behind none the user set.
LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$here/lib"
export LD_LIBRARY_PATH

# The driver: VK_DRIVER_FILES if set; else the system's ICD manifests; else, where an NVIDIA
# driver's libraries are present without a manifest (common in containers), one written here.
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  found=""
  for d in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
    for f in "$d"/*.json; do [ -e "$f" ] && found="$f"; done
  done
  if [ -z "$found" ]; then
    for dir in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /lib/x86_64-linux-gnu; do
      if [ -e "$dir/libGLX_nvidia.so.0" ]; then
        printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$dir/libGLX_nvidia.so.0" > "$here/lib/nvidia_icd.json"
        VK_DRIVER_FILES="$here/lib/nvidia_icd.json"
        export VK_DRIVER_FILES
        break
      fi
    done
  fi
fi

PEFT_PLAYGROUND_ROOT="$here"
export PEFT_PLAYGROUND_ROOT
mkdir -p "$here/bench"
out="$here/bench/gpu.json"
case " $* " in *" --quick "*) out="$here/bench/gpu-quick.json" ;; esac
exec "$NODE" "$here/bench-gpu.mjs" --peers "$here/peers" --out "$out" "$@"
