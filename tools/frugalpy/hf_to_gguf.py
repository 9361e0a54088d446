"""HF-layout state dict (llama / qwen2 / qwen3) -> GGUF, with llama.cpp's tensor names and conventions.

- llama: Q and K rows are permuted per head from HF's rotate-half order (pairs i, i+d/2) to the
  interleaved order GGUF llama expects (pairs 2i, 2i+1); llama3 rope scaling becomes the F32
  tensor rope_freqs.weight holding one divisor per frequency (ggml divides theta_i by it).
- qwen2 / qwen3: no permutation (ggml runs them with NEOX, i.e. rotate-half, RoPE).
- 1-D tensors (norms, biases, rope_freqs) stay F32; 2-D weights are F32, F16 or BF16.
- output.weight is omitted when the embeddings are tied.
gguf_to_hf() is the exact inverse, used by the tests to run the reference on what a GGUF holds.
"""
import math

import numpy as np

from frugalpy import gguf_io as G
from frugalpy.torch_ref import full_config

ATTN = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
        "q_norm": "attn_q_norm", "k_norm": "attn_k_norm"}
MLP = {"gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}
NORMS = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"}
FILE_TYPE = {G.F32: 0, G.F16: 1, G.BF16: 32}


def hf_name_to_gguf(name):
    """'model.layers.3.self_attn.q_proj.weight' -> 'blk.3.attn_q.weight' (and the global tensors)."""
    top = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
           "lm_head.weight": "output.weight"}
    if name in top:
        return top[name]
    parts = name.split(".")
    assert parts[:2] == ["model", "layers"], name
    n, rest = parts[2], parts[3:]
    table = {"self_attn": ATTN, "mlp": MLP}.get(rest[0])
    base = table[rest[1]] if table else NORMS[rest[0]]
    return f"blk.{n}.{base}.{rest[-1]}"


def gguf_name_to_hf(name):
    inv = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
           "output.weight": "lm_head.weight"}
    if name in inv:
        return inv[name]
    _, n, base, kind = name.split(".")
    for group, table in (("self_attn", ATTN), ("mlp", MLP)):
        for hf, gg in table.items():
            if gg == base:
                return f"model.layers.{n}.{group}.{hf}.{kind}"
    for hf, gg in NORMS.items():
        if gg == base:
            return f"model.layers.{n}.{hf}.{kind}"
    raise KeyError(name)


def permute_rows(w, n_head):
    """HF rotate-half row order -> interleaved pairs, per head (works for weights and biases)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute_rows(w, n_head):
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_factors(c):
    """Per-frequency divisors as llama.cpp's converter computes them (1, factor, or the smooth ramp)."""
    rs, d = c["rope_scaling"], c["head_dim"]
    factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    out = []
    for i in range(0, d, 2):
        wavelen = 2 * math.pi * c["rope_theta"] ** (i / d)
        if wavelen < old / hi:
            out.append(1.0)
        elif wavelen > old / lo:
            out.append(factor)
        else:
            smooth = (old / wavelen - lo) / (hi - lo)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def _heads_for(name, c):
    if name.endswith("q_proj.weight") or name.endswith("q_proj.bias"):
        return c["num_attention_heads"]
    if name.endswith("k_proj.weight") or name.endswith("k_proj.bias"):
        return c["num_key_value_heads"]
    return None


def add_hparams(w, c, name):
    a = c["arch"]
    w.add("general.architecture", a)
    w.add("general.name", name)
    w.add(f"{a}.context_length", int(c["max_position_embeddings"]), G.U32)
    w.add(f"{a}.embedding_length", int(c["hidden_size"]), G.U32)
    w.add(f"{a}.block_count", int(c["num_hidden_layers"]), G.U32)
    w.add(f"{a}.feed_forward_length", int(c["intermediate_size"]), G.U32)
    w.add(f"{a}.attention.head_count", int(c["num_attention_heads"]), G.U32)
    w.add(f"{a}.attention.head_count_kv", int(c["num_key_value_heads"]), G.U32)
    w.add(f"{a}.attention.layer_norm_rms_epsilon", float(c["rms_norm_eps"]), G.VF32)
    w.add(f"{a}.rope.freq_base", float(c["rope_theta"]), G.VF32)
    w.add(f"{a}.rope.dimension_count", int(c["head_dim"]), G.U32)
    if a == "qwen3" or c["head_dim"] * c["num_attention_heads"] != c["hidden_size"]:
        w.add(f"{a}.attention.key_length", int(c["head_dim"]), G.U32)
        w.add(f"{a}.attention.value_length", int(c["head_dim"]), G.U32)
    w.add(f"{a}.vocab_size", int(c["vocab_size"]), G.U32)


def convert_tensors(cfg, state):
    """HF state dict -> ordered list of (gguf name, float32 numpy array) in llama.cpp's layout."""
    c = full_config(cfg)
    sd = {k: np.asarray(v.detach().float().numpy() if hasattr(v, "detach") else v, dtype=np.float32)
          for k, v in state.items()}
    if c["tie_word_embeddings"]:
        sd.pop("lm_head.weight", None)
    out = []
    if c["arch"] == "llama" and c["rope_scaling"]:
        out.append(("rope_freqs.weight", llama3_rope_factors(c)))
    for k, v in sd.items():
        heads = _heads_for(k, c)
        if c["arch"] == "llama" and heads:
            v = permute_rows(v, heads)
        out.append((hf_name_to_gguf(k), v))
    return out


def write_gguf(path, cfg, state, wtype=G.F32, tokenizer=None, name="frugal-test"):
    """tokenizer: callable(writer) adding the tokenizer.ggml.* keys (see bpe_train.add_tokenizer)."""
    c = full_config(cfg)
    w = G.GgufWriter()
    add_hparams(w, c, name)
    w.add("general.file_type", FILE_TYPE[wtype], G.U32)
    if tokenizer:
        tokenizer(w)
    for tname, arr in convert_tensors(c, state):
        w.tensor(tname, arr, wtype if arr.ndim == 2 else G.F32)
    w.write(path)


def tensor_to_f32(t, ne, raw, dequantize=None):
    """One GGUF tensor as float32 numpy, shaped reversed(ne); quantized types via `dequantize`."""
    shape = tuple(reversed(ne))
    if t == G.F32:
        return np.frombuffer(raw, "<f4").reshape(shape).copy()
    if t == G.F16:
        return np.frombuffer(raw, "<f2").astype(np.float32).reshape(shape)
    if t == G.BF16:
        return (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32).reshape(shape)
    assert dequantize is not None, f"type {t} needs a dequantize function"
    return np.asarray(dequantize(raw, t, ne), dtype=np.float32).reshape(shape)


def config_from_gguf(meta, tensors):
    """HF-style config of a llama/qwen2/qwen3 GGUF written as above (not for llama3 rope scaling,
    whose original parameters a rope_freqs tensor does not keep)."""
    a = meta["general.architecture"]
    assert "rope_freqs.weight" not in tensors, "rope scaling cannot be recovered from rope_freqs"
    hp = lambda k: meta[f"{a}.{k}"]  # noqa: E731
    return {"arch": a, "vocab_size": tensors["token_embd.weight"][1][1], "hidden_size": hp("embedding_length"),
            "intermediate_size": hp("feed_forward_length"), "num_hidden_layers": hp("block_count"),
            "num_attention_heads": hp("attention.head_count"), "num_key_value_heads": hp("attention.head_count_kv"),
            "head_dim": meta.get(f"{a}.attention.key_length", hp("rope.dimension_count")),
            "rms_norm_eps": hp("attention.layer_norm_rms_epsilon"), "rope_theta": hp("rope.freq_base"),
            "max_position_embeddings": hp("context_length"), "tie_word_embeddings": "output.weight" not in tensors,
            "attention_bias": "blk.0.attn_q.bias" in tensors}


def gguf_to_hf(cfg, tensors, dequantize=None):
    """{gguf name: (type, ne, raw)} -> HF state dict of float32 arrays (rope_freqs dropped)."""
    c = full_config(cfg)
    sd = {}
    for tname, (t, ne, raw) in tensors.items():
        if tname == "rope_freqs.weight":
            continue
        hf = gguf_name_to_hf(tname)
        v = tensor_to_f32(t, ne, raw, dequantize)
        heads = _heads_for(hf, c)
        if c["arch"] == "llama" and heads:
            v = unpermute_rows(v, heads)
        sd[hf] = v
    return sd
