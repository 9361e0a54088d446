"""`frugal bench` on the built-in model: the lists of depths and KV cache types (`-d 0,8
--cache-type f32,f16,q8_0`) give one prompt and one generation row per (depth, type) in the JSON,
each naming its type and depth; the cache bytes a generated token reads at depth follow the
type's size (f16 half of f32; q8_0 between a quarter and f16's, its block scales included) and
the positions a token attends to on average (depth + (n_gen + 1) / 2); prompt rows count none;
an unknown type is an error naming the accepted ones. The prompt roofline counts the output head
once per batch (only its last token asks for logits). Behaviour only: no speed is asserted.
"""
import json
import os
import subprocess
import sys

BIN = os.environ.get("FRUGAL_BIN", "frugal")
TYPES = ["f32", "f16", "q8_0"]


def check_rows():
    r = subprocess.run([BIN, "bench", "-t", "1", "-p", "8", "-n", "4", "-r", "1", "-d", "0,8", "--cache-type",
                        ",".join(TYPES), "--json"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    got = sorted((x["depth"], x["cache_type"], x["test"].split()[0]) for x in rows)
    want = sorted((d, t, test) for d in (0, 8) for t in TYPES for test in ("pp8", "tg4"))
    assert got == want, got
    read = {x["cache_type"]: x["cache_bytes_read_per_token"] for x in rows if x["depth"] == 8 and x["test"][:2] == "tg"}
    assert read["f32"] > 0 and read["f16"] * 2 == read["f32"], read
    assert read["f32"] / 4 < read["q8_0"] < read["f16"], read
    for x in rows:
        b = x["cache_bytes_read_per_token"]
        if x["test"][:2] == "pp":
            assert b == 0, x
        elif x["depth"] == 0:  # 2.5 positions on average against 8 + 2.5
            assert abs(b - read[x["cache_type"]] * 2.5 / 10.5) <= 1e-9 * b, (x, read)
        assert x["tokens_per_second_median"] > 0, x
        # pp8 in one batch: the output head runs once, for its last token, so 1/8 of its
        # multiply-adds count per prompt token.
        want = x["active_params_per_token"] - x["output_params"] + x["output_params"] / 8
        assert 0 < x["output_params"] < x["active_params_per_token"], x
        assert abs(x["prompt_macs_per_token"] - want) <= 1e-9 * want, x
        if x["test"][:2] == "pp" and x["roofline_tokens_per_second"] > 0:
            got = x["int8_peak_macs_per_s"] / x["roofline_tokens_per_second"]
            assert abs(got - want) <= 1e-6 * want, (x, want)


def check_unknown_type():
    r = subprocess.run([BIN, "bench", "-p", "8", "-n", "0", "-r", "1", "--cache-type", "f16,q4_0"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "unknown cache type 'q4_0'" in r.stderr and "q8_0" in r.stderr, r.stderr


def main():
    failed = 0
    for name, fn in (("rows per depth and cache type", check_rows), ("unknown cache type", check_unknown_type)):
        try:
            fn()
            print(f"PASS {name}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
