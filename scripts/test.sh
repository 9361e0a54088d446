#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test (C++ unit tests, PyTorch and
# Hugging Face oracle tests). This is the command README.md gives and .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
