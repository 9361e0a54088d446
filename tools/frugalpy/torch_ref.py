"""PyTorch reference decoders (llama / qwen2 / qwen3) following the HF transformers definitions.

The module tree and parameter names reproduce the HF state-dict layout
(model.embed_tokens, model.layers.N.self_attn.q_proj, ..., model.norm, lm_head), so a state dict
from this module is what hf_to_gguf.py converts. The same class is the trainer's model
(tools/train_default.py) and the logits oracle (tests/py/test_logits_dense.py): run it in float64
for the oracle, so that the reference's own rounding (~1e-16) is far below the 1e-4 tolerance and
the comparison measures only the f32 engine.

Config: a plain dict with HF config.json field names plus "arch" in {"llama", "qwen2", "qwen3"}:
vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
num_key_value_heads, head_dim (optional; qwen3 sets it), rms_norm_eps, rope_theta,
rope_scaling (None or {"rope_type": "llama3", factor, low_freq_factor, high_freq_factor,
original_max_position_embeddings}), tie_word_embeddings, attention_bias (qwen2: True),
max_position_embeddings.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

DEFAULTS = {"rms_norm_eps": 1e-5, "rope_theta": 10000.0, "rope_scaling": None, "tie_word_embeddings": False,
            "max_position_embeddings": 2048, "head_dim": None, "attention_bias": None}


def to_pairs(x):
    """Rotate-half order (x_i pairs with x_{i + d/2}) -> adjacent pairs (2i, 2i + 1), last dim."""
    h = x.shape[-1] // 2
    return torch.stack((x[..., :h], x[..., h:]), -1).flatten(-2)


def from_pairs(x):
    """Inverse of to_pairs."""
    return torch.cat((x[..., 0::2], x[..., 1::2]), -1)


class CacheRounding:
    """Rounds what a reference's attention modules cache as an engine KV cache of type `kind` holds
    it: a torch float dtype (e.g. float16) rounds each value; "q8_0" each row (last dim) as
    llama.cpp's q8_0 from the engine's float32: blocks of 32 (the last may be shorter), scale
    d = float16(max |x| / 127), code round(x * (1 / d)) half away from zero, value code * d.
    q8_0 records the codes nearest a half-way point (near: (distance in code units, call, flat
    index)); each (call, flat index) in flips rounds that code the other way. The engine's float32 keys
    can land on the other side of such a point, and one code moves later logits by ~1e-3, so the
    oracle judges an engine against these variants too. Calls are counted in forward order."""

    def __init__(self, kind, flips=()):
        self.kind, self.flips, self.near, self.calls = kind, set(flips), [], 0

    def __call__(self, x, pairs=False):
        """x rounded, in x's dtype. pairs: the engine holds the row in to_pairs order (GGUF llama
        keys, whose Q/K rows the converter permutes), which decides what each block holds."""
        if pairs:
            return from_pairs(self(to_pairs(x)))
        if self.kind != "q8_0":
            return x.to(self.kind).to(x.dtype)
        call, self.calls = self.calls, self.calls + 1
        x32 = x.to(torch.float32).contiguous()
        d = torch.empty_like(x32)
        for b0 in range(0, x.shape[-1], 32):
            blk = x32[..., b0:b0 + 32]
            d[..., b0:b0 + 32] = (blk.abs().amax(-1, keepdim=True) / 127).to(torch.float16).to(torch.float32)
        v = (x32 * torch.where(d != 0, 1 / d, torch.zeros_like(d))).double()  # float32 product, widened
        a = v.abs()
        frac = a - a.floor()
        codes = (a.floor() + (frac >= 0.5)).flatten()
        dist = (frac - 0.5).abs().flatten()
        for i in torch.nonzero(dist < 2e-3).flatten().tolist():
            self.near.append((float(dist[i]), call, i))
        for c, i in self.flips:
            if c == call:
                codes[i] = a.flatten()[i].floor() + (frac.flatten()[i] < 0.5)
        codes = (torch.sign(v) * codes.view(v.shape)).clamp(-127, 127)
        return (codes * d.double()).to(x.dtype)



def full_config(cfg):
    """Fills defaults; attention_bias defaults to True for qwen2 only; head_dim to hidden/heads."""
    c = dict(DEFAULTS)
    c.update(cfg)
    if c["attention_bias"] is None:
        c["attention_bias"] = c["arch"] == "qwen2"
    if c["head_dim"] is None:
        c["head_dim"] = c["hidden_size"] // c["num_attention_heads"]
    assert c["arch"] in ("llama", "qwen2", "qwen3"), c["arch"]
    return c


def llama3_inv_freq(inv_freq, rs):
    """HF's llama3 rope scaling: long wavelengths divided by factor, a smooth ramp in between."""
    factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
    old = rs["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > old / lo, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - lo) / (hi - lo)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = (wavelen >= old / hi) & (wavelen <= old / lo)
    return torch.where(medium, smoothed, scaled)


def rope_inv_freq(c):
    """inv_freq[i] = theta^(-2i/d) for i < d/2 (float64), llama3-scaled when configured."""
    d = c["head_dim"]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    rs = c["rope_scaling"]
    if rs:
        assert rs.get("rope_type", rs.get("type")) == "llama3", rs
        inv = llama3_inv_freq(inv, rs)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def apply_rope(x, cos, sin):
    """x: [B, H, T, D]; cos/sin: [T, D] (HF rotate-half convention: pairs (i, i + D/2))."""
    return x * cos + rotate_half(x) * sin


class RMSNorm(nn.Module):
    def __init__(self, n, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.nh, self.nkv, self.hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        dim, bias = c["hidden_size"], c["attention_bias"]
        self.q_proj = nn.Linear(dim, self.nh * self.hd, bias=bias)
        self.k_proj = nn.Linear(dim, self.nkv * self.hd, bias=bias)
        self.v_proj = nn.Linear(dim, self.nkv * self.hd, bias=bias)
        self.o_proj = nn.Linear(self.nh * self.hd, dim, bias=False)
        if c["arch"] == "qwen3":
            self.q_norm = RMSNorm(self.hd, c["rms_norm_eps"])
            self.k_norm = RMSNorm(self.hd, c["rms_norm_eps"])
        self.dropout = c.get("dropout", 0.0)
        self.pairs = c["arch"] == "llama"  # GGUF llama: the engine's keys are in to_pairs order
        self.kv_round = None  # a CacheRounding: cached keys and values (after RoPE) as that cache holds them

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.nh, self.hd)
        k = self.k_proj(x).view(B, T, self.nkv, self.hd)
        v = self.v_proj(x).view(B, T, self.nkv, self.hd).transpose(1, 2)
        if hasattr(self, "q_norm"):
            q, k = self.q_norm(q), self.k_norm(k)
        q = apply_rope(q.transpose(1, 2), cos, sin)
        k = apply_rope(k.transpose(1, 2), cos, sin)
        if self.kv_round is not None:  # what a cache of that type holds
            k, v = self.kv_round(k, self.pairs), self.kv_round(v)
        rep = self.nh // self.nkv  # GQA: query head h uses kv head h // rep
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        att = F.dropout(torch.softmax(att, dim=-1), self.dropout, self.training)
        y = (att @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        dim, ff = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(dim, ff, bias=False)
        self.up_proj = nn.Linear(dim, ff, bias=False)
        self.down_proj = nn.Linear(ff, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.dropout = c.get("dropout", 0.0)

    def forward(self, x, cos, sin, mask):
        drop = lambda t: F.dropout(t, self.dropout, self.training)  # noqa: E731
        x = x + drop(self.self_attn(self.input_layernorm(x), cos, sin, mask))
        return x + drop(self.mlp(self.post_attention_layernorm(x)))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class CausalLM(nn.Module):
    """forward(ids [T] or [B, T]) -> logits [T, vocab] or [B, T, vocab] in the parameters' dtype."""

    def __init__(self, cfg):
        super().__init__()
        self.config = c = full_config(cfg)
        self.model = Body(c)
        if not c["tie_word_embeddings"]:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.register_buffer("inv_freq", rope_inv_freq(c), persistent=False)

    def output_weight(self):
        return self.model.embed_tokens.weight if self.config["tie_word_embeddings"] else self.lm_head.weight

    def forward(self, ids):
        single = ids.dim() == 1
        ids = ids[None] if single else ids
        T = ids.shape[1]
        x = self.model.embed_tokens(ids)
        dt = x.dtype
        ang = torch.arange(T, dtype=torch.float64)[:, None] * self.inv_freq.double()[None, :]
        ang = torch.cat((ang, ang), dim=-1)
        cos, sin = ang.cos().to(dt), ang.sin().to(dt)
        mask = torch.full((T, T), float("-inf"), dtype=dt).triu(1)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        logits = self.model.norm(x) @ self.output_weight().T
        return logits[0] if single else logits


def make_model(cfg, seed=0, dtype=torch.float32, init_std=0.02):
    """Seeded model with N(0, init_std) linear/embedding weights, zero biases, unit norms."""
    torch.manual_seed(seed)
    m = CausalLM(cfg)
    for name, p in m.named_parameters():
        if name.endswith("norm.weight"):
            nn.init.ones_(p)
        elif name.endswith(".bias"):
            nn.init.zeros_(p)
        else:
            nn.init.normal_(p, 0.0, init_std)
    return m.to(dtype)


def load_state(cfg, state, dtype=torch.float64):
    """Model built from an HF-layout state dict {name: array/tensor}; missing lm_head ok when tied."""
    m = CausalLM(cfg).to(dtype)
    sd = {k: torch.as_tensor(v).to(dtype) for k, v in state.items()}
    if cfg.get("tie_word_embeddings"):
        sd.pop("lm_head.weight", None)
    m.load_state_dict(sd, strict=True)
    return m
