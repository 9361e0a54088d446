"""Runs `frugal logits` and compares logits with a reference (shared by the logits tests)."""
import itertools
import os
import subprocess

import numpy as np


def row_err(out, ref):
    """Per row: max |out - ref| / max |ref|."""
    return np.abs(out - ref).max(axis=1) / np.abs(ref).max(axis=1)


def run_engine(path, ids, n_vocab, prefill=None, isa=None, binary=None, cache_type=None, threads=None):
    """The engine's logits for token ids (one row per token) as float64; raises on failure.
    prefill: process that many tokens as one batch, then decode the rest one by one.
    cache_type: the KV cache's elements (--cache-type), the engine's default when None.
    threads: -t (how the engine splits its work), one per core when None."""
    binary = binary or os.environ.get("FRUGAL_BIN", "frugal")
    out = f"{path}.{prefill}.{isa}.{cache_type}.logits.bin"
    cmd = [binary, "logits", "-m", path, "--tokens", " ".join(map(str, ids)), "--out", out]
    cmd += ["--prefill", str(prefill)] if prefill else []
    cmd += ["--isa", isa] if isa else []
    cmd += ["--cache-type", cache_type] if cache_type else []
    cmd += ["-t", str(threads)] if threads else []
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... -> rc {p.returncode}\n{p.stderr[-2000:]}")
    return np.fromfile(out, dtype="<f4").reshape(len(ids), n_vocab).astype(np.float64)


def half_cache_verdict(out, ref16, ref, tol):
    """Whether engine logits `out`, run with a rounding KV cache (f16 or q8_0), follow ref16 (the
    reference with its cached keys and values rounded as that cache holds them) rather than ref
    (unrounded): (ok, detail). A value within a rounding error of a half-way point may round the
    other way in the engine's f32 arithmetic, and a 1e-7 relative change of the weights moves ref16's
    worst row by up to ~3e-4 on these models (f16), so the bound is on the median row: at most tol / 2
    and a quarter of the median error against ref; the worst row within 5 tol. An engine that
    ignored the cache type fails the quarter."""
    e16, e32 = row_err(out, ref16), row_err(out, ref)
    med16, med32 = float(np.median(e16)), float(np.median(e32))
    ok = med16 <= tol / 2 and med16 <= med32 / 4 and e16.max() <= 5 * tol
    return ok, f"median row err {med16:.1e} (against the unrounded reference {med32:.1e}), max {e16.max():.1e}"


class RoundedReference:
    """The reference with its cache rounded as an engine cache of type `kind` (a torch dtype or
    "q8_0") holds it: ref_fn(CacheRounding) -> logits. For q8_0 also its variants with some of the
    codes nearest a half-way point rounded the other way (made when first needed): one such code
    moves the later logits by ~1e-3, far beyond the median criterion, and the engine's float32
    keys may land on either side. A cache of many values (wide heads, long prompts) can hold
    several codes that close, so every combination of the n_joint nearest is tried, then the next
    ones alone up to n_variants."""

    def __init__(self, ref_fn, kind, n_variants=8, n_joint=4):
        from frugalpy.torch_ref import CacheRounding
        self.ref_fn, self.kind, self.make = ref_fn, kind, CacheRounding
        r = CacheRounding(kind)
        self.logits = ref_fn(r)
        near = sorted(r.near)[:n_variants] if kind == "q8_0" else []
        joint = near[:n_joint]
        self.flip_sets = [c for k in range(1, len(joint) + 1) for c in itertools.combinations(joint, k)]
        self.flip_sets += [(x,) for x in near[n_joint:]]
        self.flipped = {}

    def variants(self):
        """(description, logits): the nominal rounding, then the flipped codes' variants."""
        yield "", self.logits
        for flips in self.flip_sets:
            key = tuple((call, i) for _, call, i in flips)
            if key not in self.flipped:
                self.flipped[key] = self.ref_fn(self.make(self.kind, flips=key))
            what = ", ".join(f"code {i} of cache write {call} ({dist:.1e} from half-way)" for dist, call, i in flips)
            yield f" (against the reference with {what} rounded the other way)", self.flipped[key]


def half_cache_check(path, ids, n_vocab, prefill, isa, rounded, ref, tol, cache_type="f16", threads=None):
    """Runs the engine with --cache-type cache_type (f16 or q8_0) and judges it by half_cache_verdict
    against `rounded` (a RoundedReference of that type): it passes if it follows the nominal
    rounding or one of the single-code variants: (ok, detail); a failed run is a failed check."""
    try:
        out = run_engine(path, ids, n_vocab, prefill, isa, cache_type=cache_type, threads=threads)
    except Exception as e:  # noqa: BLE001 - report and count as a failure
        return False, str(e)
    first = None
    for what, logits in rounded.variants():
        ok, detail = half_cache_verdict(out, logits, ref, tol)
        first = first or detail
        if ok:
            return True, detail + what
    return False, first


def engine_errors(path, ids, ref, n_vocab, prefill=None, isa=None, cache_type=None, threads=None):
    """The engine's logits against ref: (per-row relative errors, fraction of rows whose argmax agrees)."""
    out = run_engine(path, ids, n_vocab, prefill, isa, cache_type=cache_type, threads=threads)
    return row_err(out, ref), float(np.mean(out.argmax(1) == ref.argmax(1)))
