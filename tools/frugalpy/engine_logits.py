"""Runs `frugal logits` and compares logits with a reference (shared by the logits tests)."""
import os
import subprocess

import numpy as np


def row_err(out, ref):
    """Per row: max |out - ref| / max |ref|."""
    return np.abs(out - ref).max(axis=1) / np.abs(ref).max(axis=1)


def run_engine(path, ids, n_vocab, prefill=None, isa=None, binary=None):
    """The engine's logits for token ids (one row per token) as float64; raises on failure.
    prefill: process that many tokens as one batch, then decode the rest one by one."""
    binary = binary or os.environ.get("FRUGAL_BIN", "frugal")
    out = f"{path}.{prefill}.{isa}.logits.bin"
    cmd = [binary, "logits", "-m", path, "--tokens", " ".join(map(str, ids)), "--out", out]
    cmd += ["--prefill", str(prefill)] if prefill else []
    cmd += ["--isa", isa] if isa else []
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... -> rc {p.returncode}\n{p.stderr[-2000:]}")
    return np.fromfile(out, dtype="<f4").reshape(len(ids), n_vocab).astype(np.float64)


def engine_errors(path, ids, ref, n_vocab, prefill=None, isa=None):
    """The engine's logits against ref: (per-row relative errors, fraction of rows whose argmax agrees)."""
    out = run_engine(path, ids, n_vocab, prefill, isa)
    return row_err(out, ref), float(np.mean(out.argmax(1) == ref.argmax(1)))
