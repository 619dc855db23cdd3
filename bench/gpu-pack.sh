#!/usr/bin/env bash
# Pack bench/gpu.ts for a machine with a GPU and no npm: one bundled .mjs (tensorlaw + jax-js),
# the `webgpu` package's Dawn binary, an xz copy of this Node (x86-64), and run.sh. Usage:
#   bench/gpu-pack.sh DEST [BASE_REF]   # DEST: a folder the device call carries (e.g. .gpu)
# With BASE_REF (e.g. main), a second bundle is built from that commit's src/ so one device call
# times both kernels. There: `bash DEST/run.sh` (Vulkan loader from .gl, see docs/gpu.md).
set -euo pipefail
dest=$(realpath -m "$1"); base=${2:-}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest/node_modules/webgpu/dist/linux-x64"
bundle() { # $1: repository root with bench/gpu.ts, $2: output file
  (cd "$1" && "$root/node_modules/.bin/esbuild" bench/gpu.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu \
    --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" --outfile="$2" --log-level=warning)
}
bundle "$root" "$dest/gpu-new.mjs"
if [ -n "$base" ]; then
  tmp=$(mktemp -d); git -C "$root" archive "$base" src | tar -x -C "$tmp"
  cp -r "$root/bench" "$tmp/"; ln -s "$root/node_modules" "$tmp/node_modules"
  bundle "$tmp" "$dest/gpu-base.mjs"; rm -rf "$tmp"
fi
cp "$root/node_modules/webgpu/index.js" "$root/node_modules/webgpu/package.json" "$dest/node_modules/webgpu/"
cp "$root/node_modules/webgpu/dist/linux-x64/dawn.node" "$dest/node_modules/webgpu/dist/linux-x64/"
[ -f "$dest/node.xz" ] || xz -T2 -6 -c "$(command -v node)" > "$dest/node.xz"
d=$(basename "$dest")
cat > "$dest/run.sh" <<RUN
#!/bin/bash
# On the device, from the checkout root: bash $d/run.sh [bench/gpu.ts options]
exec > >(tee -a \${OUT:-/tmp}/gpu.log) 2>&1
for f in .gl/*.deb; do dpkg -x \$f /; done; ldconfig
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.limit,pstate --format=csv
nvidia-smi -q | grep -iE 'Product Name|Product Architecture|Form Factor|Bus Type' | head -6
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; [ -f \$icd ] && export VK_DRIVER_FILES=\$icd
NODE=node
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null || { xz -dc $d/node.xz > /tmp/node && chmod +x /tmp/node; NODE=/tmp/node; }
cd $d
for b in gpu-new gpu-base; do [ -f \$b.mjs ] && { echo "=== \$b ==="; timeout 250 \$NODE \$b.mjs "\$@" 2>&1 | grep -v XDG_RUNTIME; }; done
RUN
chmod +x "$dest/run.sh"
du -sh "$dest"
