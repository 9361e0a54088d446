#!/usr/bin/env bash
# Cross-builds frugal for 64-bit ARM Linux (with its NEON kernels) into build-arm64/ and runs,
# under qemu-aarch64 user-mode emulation: every C++ unit test, and the PyTorch logits oracles
# and numpy quantization checks against the emulated binary. For x86-64 Debian 12 machines
# (scripts/test.sh calls it there); the emulator checks results, not speed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --arm64
cmake -S . -B build-arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
  -DCMAKE_BUILD_TYPE=Release -DFRUGAL_WERROR=ON -DFRUGAL_BENCH=OFF >/dev/null
cmake --build build-arm64 -j "$(nproc)"
ctest --test-dir build-arm64 --output-on-failure -j "$(nproc)" -E '^(js\.|py\.test_(bench|chat|synth))' "$@"
# qemu's default CPU has the dot-product extension, so the tests above ran the NEON kernels only
# if the build chose them: check that it does.
isa=$(build-arm64/frugal-emulated bench -p 8 -n 2 -r 1 --json |
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["isa"])')
if [ "$isa" != neon ]; then
  echo "the ARM64 build chose the '$isa' kernels under qemu, not neon" >&2
  exit 1
fi
echo "ARM64 build: NEON kernels selected"
