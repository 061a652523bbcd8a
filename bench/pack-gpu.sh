#!/usr/bin/env bash
# Packs the `robotics` command for a GPU machine that has an NVIDIA driver and a libtorch CUDA install
# (e.g. PyTorch's torch/lib) but no .NET SDK: a self-contained publish without TorchSharp's CPU libtorch
# (set ROBOTICS_LIBTORCH there instead), with MuJoCo's shared libraries in mujoco/.
#   bench/pack-gpu.sh [OUT.tar.xz]        (default: artifacts/robotics-gpu.tar.xz)
# There:  tar xJf robotics-gpu.tar.xz -C /opt && export LD_LIBRARY_PATH=/opt/pub/mujoco \
#         ROBOTICS_LIBTORCH=/path/to/site-packages/torch/lib && cd <repo> && /opt/pub/robotics train --device cuda ...
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-artifacts/robotics-gpu.tar.xz}")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
dotnet publish src/Cli -c Release -r linux-x64 --self-contained -o "$stage/pub" -v quiet -nologo
# TorchSharp's CPU libtorch (~480 MB) stays behind: the machine's own libtorch is loaded instead.
for f in $(ls ~/.nuget/packages/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native/); do rm -f "$stage/pub/$f"; done
mkdir -p "$stage/pub/mujoco"
for f in libmujoco.so.2.2.2 libccd.so.2 liblodepng.so.0 libqhull_r.so.8.0 libtinyxml2.so.9; do
  cp -L "$(ldconfig -p | awk -v f="$f" '$1 == f { print $NF; exit }')" "$stage/pub/mujoco/"
done
mkdir -p "$(dirname "$out")"
tar cf - -C "$stage" pub | xz -T0 -6 > "$out"
echo "$out: $(du -h "$out" | cut -f1)"
