"""PyTorch reference decoders for the mixture-of-experts architectures, after the HF definitions.

Architectures ("arch" in the config dict; other fields use HF config.json names):
  deepseek2  DeepSeek-V2 / V2-Lite / V3 / R1: multi-head latent attention (optional q LoRA, decoupled
             RoPE dims de-interleaved before rotate-half, YaRN with mscale), first_k_dense_replace dense
             layers, routed experts + n_shared_experts; scoring_func softmax | sigmoid (V3, with
             e_score_correction_bias used only to select); topk_method greedy | group_limited_greedy
             (group score = best expert) | noaux_tc (group score = sum of the best two biased scores).
  qwen3moe   Qwen3 attention (per-head q/k RMSNorm), softmax top-k, norm_topk_prob, no shared expert.
  qwen2moe   Qwen2 attention (q/k/v bias), softmax top-k, shared_expert * sigmoid(shared_expert_gate(x)).
  mixtral    Mixtral: block_sparse_moe.gate + experts.N.{w1,w2,w3}; softmax, top-k, renormalise.
  olmoe      OLMoE: RMSNorm over the whole q (hidden) and k (kv heads * head_dim) projections.

Parameter names reproduce the HF state-dict layout (model.layers.N.mlp.experts.E.gate_proj.weight,
...), which hf_to_gguf_moe.py converts. forward(ids [T] or [B, T]) -> logits [T, vocab] or [B, T, vocab];
run it in float64 for the logits oracle. After a forward, routing() lists per MoE layer the chosen
experts and each token's selection margin (see route()), so tests can prove top-k choices are not near ties.
The same classes train the built-in default model (tools/train_default.py, float32, make_model()): the
routing path is the oracle's (gradients reach the router through the gathered gate scores; the
DeepSeek-V3 selection bias has none and is updated from expert load by the trainer). The optional config
"dropout" (default 0) acts only in training mode, so eval-mode forward is exactly the oracle's.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

from frugalpy.torch_ref import RMSNorm, from_pairs, rotate_half, to_pairs

ARCHS = ("deepseek2", "qwen3moe", "qwen2moe", "mixtral", "olmoe")
NORM_TOPK_DEFAULT = {"deepseek2": False, "qwen3moe": True, "qwen2moe": False, "mixtral": True, "olmoe": False}
DEFAULTS = {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "rope_scaling": None, "tie_word_embeddings": False,
            "max_position_embeddings": 256, "head_dim": None, "num_key_value_heads": None,
            "routed_scaling_factor": 1.0, "scoring_func": "softmax", "topk_method": "greedy", "n_group": 1,
            "topk_group": 1, "q_lora_rank": None, "n_shared_experts": None, "first_k_dense_replace": 0,
            "shared_expert_intermediate_size": 0, "norm_topk_prob": None, "dropout": 0.0}


def full_config(cfg):
    """Defaults filled in; num_local_experts / num_experts / n_routed_experts all become n_routed_experts."""
    c = dict(DEFAULTS)
    c.update(cfg)
    assert c["arch"] in ARCHS, c["arch"]
    for alias in ("num_local_experts", "num_experts"):
        if alias in c:
            c.setdefault("n_routed_experts", c[alias])
    if c["norm_topk_prob"] is None:
        c["norm_topk_prob"] = NORM_TOPK_DEFAULT[c["arch"]]
    if c["num_key_value_heads"] is None:
        c["num_key_value_heads"] = c["num_attention_heads"]
    if c["head_dim"] is None:
        c["head_dim"] = c["hidden_size"] // c["num_attention_heads"]
    if c["arch"] == "mixtral":
        c["norm_topk_prob"] = True  # Mixtral always renormalises the chosen weights
    return c


# ---------------------------------------------------------------- rotary embeddings
def yarn_mscale(scale, mscale):
    return 0.1 * mscale * math.log(scale) + 1.0 if scale > 1 else 1.0


def yarn_inv_freq(dim, base, rs):
    """DeepSeek YaRN: blend of extrapolated (high-frequency) and interpolated (/factor) inv_freq."""
    factor, orig = rs["factor"], rs["original_max_position_embeddings"]
    corr = lambda n_rot: dim * math.log(orig / (n_rot * 2 * math.pi)) / (2 * math.log(base))  # noqa: E731
    low = max(math.floor(corr(rs.get("beta_fast", 32))), 0)
    high = min(math.ceil(corr(rs.get("beta_slow", 1))), dim - 1)
    extra = 1.0 / base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    ramp = ((torch.arange(dim // 2, dtype=torch.float64) - low) / max(high - low, 0.001)).clamp(0, 1)
    return extra / factor * ramp + extra * (1 - ramp)


def rope_tables(c, dim, T):
    """cos, sin [T, dim] in rotate-half layout; YaRN (deepseek2) scales them by mscale/mscale_all_dim."""
    rs, base = c["rope_scaling"], c["rope_theta"]
    if rs:
        assert rs.get("type", rs.get("rope_type")) == "yarn" and c["arch"] == "deepseek2", rs
        inv = yarn_inv_freq(dim, base, rs)
        mag = yarn_mscale(rs["factor"], rs.get("mscale", 1)) / yarn_mscale(rs["factor"], rs.get("mscale_all_dim", 0))
    else:
        inv, mag = 1.0 / base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim), 1.0
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    ang = torch.cat((ang, ang), -1)
    return ang.cos() * mag, ang.sin() * mag


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def deinterleave(x):
    """DeepSeek: (x0, x1, x2, x3, ...) -> (x0, x2, ..., x1, x3, ...) before rotate-half RoPE."""
    d = x.shape[-1]
    return x.reshape(*x.shape[:-1], d // 2, 2).transpose(-1, -2).reshape(x.shape)


def causal_attention(q, k, v, scale, dropout=0.0, training=False):
    """q, k [B, H, T, d]; v [B, H, T, dv] -> [B, T, H * dv]; dropout on the probabilities when training."""
    T = q.shape[-2]
    mask = torch.full((T, T), float("-inf"), dtype=q.dtype).triu(1)
    att = F.dropout(torch.softmax(q @ k.transpose(-1, -2) * scale + mask, -1), dropout, training)
    return (att @ v).transpose(1, 2).flatten(2)


# ---------------------------------------------------------------- attention
class GqaAttention(nn.Module):
    """Llama/Qwen/OLMoE attention; qk_norm None | "head" (Qwen3) | "full" (OLMoE)."""

    def __init__(self, c, bias=False, qk_norm=None):
        super().__init__()
        self.nh, self.nkv, self.hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        dim, eps = c["hidden_size"], c["rms_norm_eps"]
        self.q_proj = nn.Linear(dim, self.nh * self.hd, bias=bias)
        self.k_proj = nn.Linear(dim, self.nkv * self.hd, bias=bias)
        self.v_proj = nn.Linear(dim, self.nkv * self.hd, bias=bias)
        self.o_proj = nn.Linear(self.nh * self.hd, dim, bias=False)
        self.qk_norm, self.dropout = qk_norm, c["dropout"]
        self.pairs = c["arch"] == "mixtral"  # Q/K rows permuted as GGUF llama's: keys in to_pairs order
        self.kv_round = None  # a CacheRounding: cached keys and values (after RoPE) as that cache holds them
        if qk_norm:
            full = qk_norm == "full"
            self.q_norm = RMSNorm(self.nh * self.hd if full else self.hd, eps)
            self.k_norm = RMSNorm(self.nkv * self.hd if full else self.hd, eps)

    def forward(self, x, rope):
        B, T = x.shape[:2]
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        if self.qk_norm == "full":
            q, k = self.q_norm(q), self.k_norm(k)
        q, k = q.view(B, T, self.nh, self.hd), k.view(B, T, self.nkv, self.hd)
        if self.qk_norm == "head":
            q, k = self.q_norm(q), self.k_norm(k)
        cos, sin = rope
        q, k = apply_rope(q.transpose(1, 2), cos, sin), apply_rope(k.transpose(1, 2), cos, sin)
        v = v.view(B, T, self.nkv, self.hd).transpose(1, 2)
        if self.kv_round is not None:  # what a cache of that type holds
            k, v = self.kv_round(k, self.pairs), self.kv_round(v)
        rep = self.nh // self.nkv
        k, v = k.repeat_interleave(rep, 1), v.repeat_interleave(rep, 1)
        att = causal_attention(q, k, v, 1.0 / math.sqrt(self.hd), self.dropout, self.training)
        return self.o_proj(att)


class MlaAttention(nn.Module):
    """DeepSeek multi-head latent attention (naive form: keys/values decompressed from the latent)."""

    def __init__(self, c):
        super().__init__()
        dim, eps, H = c["hidden_size"], c["rms_norm_eps"], c["num_attention_heads"]
        self.H, self.nope, self.rope, self.vd = H, c["qk_nope_head_dim"], c["qk_rope_head_dim"], c["v_head_dim"]
        self.L, dqk = c["kv_lora_rank"], self.nope + self.rope
        if c["q_lora_rank"]:
            self.q_a_proj = nn.Linear(dim, c["q_lora_rank"], bias=False)
            self.q_a_layernorm = RMSNorm(c["q_lora_rank"], eps)
            self.q_b_proj = nn.Linear(c["q_lora_rank"], H * dqk, bias=False)
        else:
            self.q_proj = nn.Linear(dim, H * dqk, bias=False)
        self.kv_a_proj_with_mqa = nn.Linear(dim, self.L + self.rope, bias=False)
        self.kv_a_layernorm = RMSNorm(self.L, eps)
        self.kv_b_proj = nn.Linear(self.L, H * (self.nope + self.vd), bias=False)
        self.o_proj = nn.Linear(H * self.vd, dim, bias=False)
        self.scale, self.dropout = dqk ** -0.5, c["dropout"]
        self.kv_round = None  # a CacheRounding: the cached latent and RoPE key as that cache holds them
        rs = c["rope_scaling"]
        if rs and rs.get("mscale_all_dim"):
            self.scale *= yarn_mscale(rs["factor"], rs["mscale_all_dim"]) ** 2

    def forward(self, x, rope):
        (B, T), H = x.shape[:2], self.H
        q = self.q_proj(x) if hasattr(self, "q_proj") else self.q_b_proj(self.q_a_layernorm(self.q_a_proj(x)))
        q_nope, q_pe = q.view(B, T, H, -1).transpose(1, 2).split([self.nope, self.rope], -1)
        latent, k_pe = self.kv_a_proj_with_mqa(x).split([self.L, self.rope], -1)
        latent = self.kv_a_layernorm(latent)
        cos, sin = rope
        k_pe = apply_rope(deinterleave(k_pe[:, None]), cos, sin)
        if self.kv_round is not None:  # the cache holds the normalised latent and the roped key
            # one cache row per token: the latent, then the roped key in the engine's order (adjacent
            # pairs, which deinterleave took apart); q8_0 blocks run across both
            row = self.kv_round(torch.cat((latent[:, None], to_pairs(k_pe)), -1))
            latent, k_pe = row[:, 0, :, :self.L], from_pairs(row[..., self.L:])
        kv = self.kv_b_proj(latent).view(B, T, H, -1).transpose(1, 2)
        k_nope, v = kv.split([self.nope, self.vd], -1)
        q_pe = apply_rope(deinterleave(q_pe), cos, sin)
        k_pe = k_pe.expand(B, H, T, self.rope)
        q, k = torch.cat((q_nope, q_pe), -1), torch.cat((k_nope, k_pe), -1)
        att = causal_attention(q, k, v, self.scale, self.dropout, self.training)
        return self.o_proj(att)


# ---------------------------------------------------------------- feed-forward and routing
class SwiGLU(nn.Module):
    def __init__(self, dim, ff, names=("gate_proj", "up_proj", "down_proj")):
        super().__init__()
        self.names = names
        for n, (i, o) in zip(names, ((dim, ff), (dim, ff), (ff, dim))):
            setattr(self, n, nn.Linear(i, o, bias=False))

    def forward(self, x):
        g, u, d = (getattr(self, n) for n in self.names)
        return d(torch.nn.functional.silu(g(x)) * u(x))


class Gate(nn.Module):
    """Router weight [n_expert, dim] (+ DeepSeek-V3 e_score_correction_bias)."""

    def __init__(self, dim, n_expert, with_bias):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_expert, dim))
        if with_bias:
            self.e_score_correction_bias = nn.Parameter(torch.zeros(n_expert))


def _kth_gap(key, k):
    """key [T, N] -> (top-k indices, gap between the k-th and (k+1)-th largest key; inf when k == N)."""
    top = key.topk(min(k + 1, key.shape[-1]), -1)
    gap = top.values[:, k - 1] - top.values[:, k] if k < key.shape[-1] else torch.full_like(key[:, 0], math.inf)
    return top.indices[:, :k], gap.nan_to_num(nan=math.inf)  # -inf - -inf: both dropped, no decision


def route(c, logits, bias=None):
    """HF routing. Returns (idx [T, k], weights [T, k], margin [T]). margin: the smallest gap that a
    decision rests on (k-th vs next expert, kept vs dropped group), in log-probability units for softmax
    gating and in biased-sigmoid units for sigmoid gating."""
    k, E, G = c["num_experts_per_tok"], logits.shape[-1], c["n_group"]
    sigmoid = c["scoring_func"] == "sigmoid"
    scores = logits.sigmoid() if sigmoid else logits.softmax(-1)
    key = (scores if bias is None else scores + bias) if sigmoid else scores.log()
    group_gap = torch.full_like(key[:, 0], math.inf)
    if c["topk_method"] in ("group_limited_greedy", "noaux_tc") and c["topk_group"] < G:
        grouped = key.view(-1, G, E // G)
        gscore = grouped.topk(2, -1).values.sum(-1) if c["topk_method"] == "noaux_tc" else grouped.max(-1).values
        keep, group_gap = _kth_gap(gscore, c["topk_group"])
        mask = torch.zeros_like(gscore, dtype=torch.bool).scatter(1, keep, True)
        key = key.masked_fill(~mask.repeat_interleave(E // G, 1), float("-inf"))
    idx, gap = _kth_gap(key, k)
    w = scores.gather(1, idx)
    v3 = c["topk_method"] == "noaux_tc"
    if c["norm_topk_prob"] and (k > 1 or c["arch"] == "mixtral"):
        w = w / (w.sum(-1, keepdim=True) + (1e-20 if c["arch"] == "deepseek2" else 0.0))
    if c["arch"] == "deepseek2" and (v3 or not (c["norm_topk_prob"] and k > 1)):
        w = w * c["routed_scaling_factor"]  # V2 scales only unnormalised weights, V3 always
    return idx, w, torch.minimum(gap, group_gap)


class SparseMoe(nn.Module):
    """Routed experts (+ shared). HF attribute names per arch: gate, experts, shared_expert(s)."""

    def __init__(self, c):
        super().__init__()
        dim, E, arch = c["hidden_size"], c["n_routed_experts"], c["arch"]
        self.c = c
        ff = c.get("moe_intermediate_size") or c["intermediate_size"]
        names = ("w1", "w3", "w2") if arch == "mixtral" else ("gate_proj", "up_proj", "down_proj")
        self.gate = Gate(dim, E, c["topk_method"] == "noaux_tc")
        self.experts = nn.ModuleList(SwiGLU(dim, ff, names) for _ in range(E))
        if arch == "deepseek2" and c["n_shared_experts"]:
            self.shared_experts = SwiGLU(dim, ff * c["n_shared_experts"])
        if arch == "qwen2moe" and c["shared_expert_intermediate_size"]:
            self.shared_expert = SwiGLU(dim, c["shared_expert_intermediate_size"])
            self.shared_expert_gate = nn.Linear(dim, 1, bias=False)
        self.last = None

    def forward(self, x):
        """x [..., dim]: every token routed on its own; self.last = {"idx" [N, k], "margin" [N]}."""
        shape, x = x.shape, x.reshape(-1, x.shape[-1])
        bias = getattr(self.gate, "e_score_correction_bias", None)
        idx, w, margin = route(self.c, x @ self.gate.weight.T, None if bias is None else bias.detach())
        self.last = {"idx": idx, "margin": margin}
        out = self.routed(x, idx, w)
        if hasattr(self, "shared_experts"):
            out = out + self.shared_experts(x)
        if hasattr(self, "shared_expert"):
            out = out + torch.sigmoid(self.shared_expert_gate(x)) * self.shared_expert(x)
        return out.view(shape)

    def routed(self, x, idx, w):
        """sum_j w[t, j] * expert_idx[t, j](x[t]): tokens grouped by expert (one gather, one scatter-add);
        each token's terms are added in increasing expert order."""
        order = idx.flatten().sort(stable=True).indices
        tok = order // idx.shape[1]
        counts = torch.bincount(idx.flatten(), minlength=len(self.experts)).tolist()
        y = torch.cat([e(xe) for e, xe in zip(self.experts, x[tok].split(counts))])
        return torch.zeros_like(x).index_add(0, tok, w.flatten()[order, None] * y)


# ---------------------------------------------------------------- the decoder
class DecoderLayer(nn.Module):
    def __init__(self, c, i):
        super().__init__()
        dim, arch = c["hidden_size"], c["arch"]
        self.input_layernorm = RMSNorm(dim, c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(dim, c["rms_norm_eps"])
        if arch == "deepseek2":
            self.self_attn = MlaAttention(c)
        else:
            qk = {"qwen3moe": "head", "olmoe": "full"}.get(arch)
            self.self_attn = GqaAttention(c, bias=arch == "qwen2moe", qk_norm=qk)
        if arch == "deepseek2" and i < c["first_k_dense_replace"]:
            ffn = SwiGLU(dim, c["intermediate_size"])
        else:
            ffn = SparseMoe(c)
        self.ffn_name, self.dropout = "block_sparse_moe" if arch == "mixtral" else "mlp", c["dropout"]
        setattr(self, self.ffn_name, ffn)

    @property
    def ffn(self):
        return getattr(self, self.ffn_name)

    def forward(self, x, rope):
        drop = lambda t: F.dropout(t, self.dropout, self.training)  # noqa: E731
        x = x + drop(self.self_attn(self.input_layernorm(x), rope))
        return x + drop(self.ffn(self.post_attention_layernorm(x)))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(DecoderLayer(c, i) for i in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class MoeCausalLM(nn.Module):
    """forward(ids [T] or [B, T]) -> logits [T, vocab] or [B, T, vocab] in the parameters' dtype."""

    def __init__(self, cfg):
        super().__init__()
        self.config = c = full_config(cfg)
        self.model = Body(c)
        if not c["tie_word_embeddings"]:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)

    def forward(self, ids):
        c, single = self.config, ids.dim() == 1
        x = self.model.embed_tokens(ids[None] if single else ids)
        rot = c["qk_rope_head_dim"] if c["arch"] == "deepseek2" else c["head_dim"]
        rope = tuple(t.to(x.dtype) for t in rope_tables(c, rot, x.shape[1]))
        for layer in self.model.layers:
            x = layer(x, rope)
        out = self.model.embed_tokens.weight if c["tie_word_embeddings"] else self.lm_head.weight
        logits = self.model.norm(x) @ out.T
        return logits[0] if single else logits

    def routing(self):
        """[(layer index, {"idx": [T, k], "margin": [T]})] from the last forward, MoE layers only."""
        return [(i, l.ffn.last) for i, l in enumerate(self.model.layers) if isinstance(l.ffn, SparseMoe)]


def make_model(cfg, seed=0, dtype=torch.float32, init_std=0.02):
    """Seeded model for training: N(0, init_std) matrices and embeddings (router included), unit norms,
    zero selection bias."""
    torch.manual_seed(seed)
    m = MoeCausalLM(cfg)
    for name, p in m.named_parameters():
        if name.endswith("norm.weight"):
            nn.init.ones_(p)
        elif name.endswith(("e_score_correction_bias", ".bias")):
            nn.init.zeros_(p)
        else:
            nn.init.normal_(p, 0.0, init_std)
    return m.to(dtype)


def load_state(cfg, state, dtype=torch.float64):
    """Model from an HF-layout state dict {name: array/tensor} (strict)."""
    m = MoeCausalLM(cfg).to(dtype)
    m.load_state_dict({k: torch.as_tensor(v).to(dtype) for k, v in state.items()}, strict=True)
    return m.eval()
