#!/bin/bash
# frugal bench and llama.cpp interleaved on the same models in the same minutes (a shared
# host's bandwidth and clocks drift, so each pair of runs is compared, not runs hours apart).
#   [DEPTH=D] tools/compare/side_by_side.sh ROUNDS MODEL.gguf N_PROMPT N_GEN [MODEL N_PROMPT N_GEN ...]
# DEPTH: tokens already in the context (default 0). CACHE: both engines' KV cache type, f16
# (default; llama.cpp's default) or q8_0 (llama.cpp with flash attention, which a quantized V
# cache needs).
# LLAMACPP=b4753: llama.cpp's February 2025 release (the build behind the CPU speed issue's
# reference figures, pinned in llamacpp-b4753/) instead of the recent one pinned here.
# Needs build/frugal and, once, `npm ci` in the chosen folder (node-llama-cpp's prebuilt binaries,
# about 700 MB with the GPU variants npm also fetches). Writes JSON lines to stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
frugal=${FRUGAL:-$here/../../build/frugal}
depth=${DEPTH:-0}
cache=${CACHE:-f16}
nlc=$here
[ -n "${LLAMACPP:-}" ] && nlc=$here/llamacpp-$LLAMACPP
[ -f "$nlc/package-lock.json" ] || { echo "no $nlc/package-lock.json" >&2; exit 2; }
rounds=$1
shift
[ -d "$nlc/node_modules/node-llama-cpp" ] || (cd "$nlc" && npm ci --no-audit --no-fund >&2)
for ((r = 1; r <= rounds; ++r)); do
  args=("$@")
  for ((i = 0; i < ${#args[@]}; i += 3)); do
    m=${args[i]} p=${args[i + 1]} n=${args[i + 2]}
    "$frugal" bench -m "$m" -t 2 -p "$p" -n "$n" -d "$depth" --cache-type "$cache" -r 3 --json 2>/dev/null | python3 -c \
      'import json,sys; [print(json.dumps({"engine": "frugal", **r})) for r in json.load(sys.stdin)]'
    LLAMACPP_DIR=$nlc KV_CACHE_TYPE=$cache node "$here/bench_llamacpp.mjs" "$m" "$p" "$n" 3 2 "$depth" 2>/dev/null | tail -n 1
  done
done
