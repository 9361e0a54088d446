#!/usr/bin/env bash
# Installs dependencies, builds, and writes text with the built-in default model.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/frugal run -p "${1:-ROMEO:}" -n "${2:-200}"
