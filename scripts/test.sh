#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (C++ unit tests, PyTorch and
# Hugging Face oracle tests), then the ARM64 build's tests under emulation. This is the
# command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
# The 64-bit ARM build, cross-compiled and run under qemu (x86-64 hosts; FRUGAL_ARM64_TESTS=0 skips it).
if [ "$(uname -m)" = x86_64 ] && [ "${FRUGAL_ARM64_TESTS:-1}" != 0 ]; then
  scripts/test-arm64.sh
fi
