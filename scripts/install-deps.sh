#!/usr/bin/env bash
# Installs everything frugal needs to build and test on Debian 12: apt packages by name,
# then the npm test oracles from tests/js/package-lock.json. Safe to run again.
# --arm64: also what scripts/test-arm64.sh needs on an x86-64 machine (the arm64 architecture
# in dpkg, the cross compiler, arm64 libraries, qemu-user).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

APT_PACKAGES=(
  g++ cmake ninja-build pkg-config
  libfmt-dev libcli11-dev nlohmann-json3-dev libpcre2-dev libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-numpy python3-torch python3-jinja2 libopenblas0-pthread
)
# Node.js and npm: use the machine's own when present (Debian's npm package conflicts with a
# separately installed Node.js); otherwise take Debian's.
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

if [ "${1:-}" = "--arm64" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "adding the arm64 architecture to dpkg"
    $SUDO dpkg --add-architecture arm64
  fi
  APT_PACKAGES+=(g++-12-aarch64-linux-gnu qemu-user libc6:arm64 libfmt-dev:arm64 libpcre2-dev:arm64
                 libicu-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64)
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing apt packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
  echo "installing npm test oracles (tests/js/package-lock.json)"
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi
