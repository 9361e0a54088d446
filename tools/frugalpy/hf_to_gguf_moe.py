"""HF-layout MoE state dict (torch_ref_moe architectures) -> GGUF with llama.cpp's names and keys.

- GGUF architecture: deepseek2, qwen3moe, qwen2moe, olmoe; Mixtral is "llama" with experts.
- Experts are stacked: HF experts.E.{gate,up,down}_proj (Mixtral w1, w3, w2) [out, in] become
  ffn_{gate,up,down}_exps with numpy shape (n_expert, out, in), i.e. GGUF ne = {in, out, n_expert}.
- Router mlp.gate / block_sparse_moe.gate -> ffn_gate_inp; DeepSeek-V3 e_score_correction_bias ->
  exp_probs_b.bias; shared experts -> ffn_*_shexp; Qwen2-MoE shared_expert_gate -> ffn_gate_inp_shexp.
- Mixtral Q/K rows are permuted as for dense llama; nothing else is permuted (deepseek2's engine
  rotates adjacent pairs of the rope dims, which is HF's de-interleave + rotate-half).
- DeepSeek-V2 scales routed weights only when it does not renormalise them (V3 always scales): the
  expert_weights_scale written is the factor the engine must apply after optional normalisation.
- expert_weights_norm: always for deepseek2; for the others only when norm_topk_prob differs from the
  architecture's usual rule (qwen3moe and Mixtral renormalise, qwen2moe and olmoe do not).
- Weights are written as wtype, except 1-D tensors and the router (ffn_gate_inp), which stay F32 as in
  llama.cpp's converter: routing decisions should not move with the file's weight type.
gguf_to_hf() inverts the conversion (unstacking, un-permuting, dequantizing) for the tests;
config_from_gguf() recovers a deepseek2 config (without YaRN) from a file written here.
"""
import numpy as np

from frugalpy import gguf_io as G
from frugalpy.hf_to_gguf import FILE_TYPE, permute_rows, tensor_to_f32, unpermute_rows
from frugalpy.torch_ref_moe import NORM_TOPK_DEFAULT, MoeCausalLM, full_config

GGUF_ARCH = {"deepseek2": "deepseek2", "qwen3moe": "qwen3moe", "qwen2moe": "qwen2moe", "mixtral": "llama",
             "olmoe": "olmoe"}
LAYER = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
         "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
         "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
         "self_attn.q_a_proj": "attn_q_a", "self_attn.q_a_layernorm": "attn_q_a_norm",
         "self_attn.q_b_proj": "attn_q_b", "self_attn.kv_a_proj_with_mqa": "attn_kv_a_mqa",
         "self_attn.kv_a_layernorm": "attn_kv_a_norm", "self_attn.kv_b_proj": "attn_kv_b",
         "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
         "mlp.gate": "ffn_gate_inp", "block_sparse_moe.gate": "ffn_gate_inp",
         "mlp.shared_experts.gate_proj": "ffn_gate_shexp", "mlp.shared_experts.up_proj": "ffn_up_shexp",
         "mlp.shared_experts.down_proj": "ffn_down_shexp", "mlp.shared_expert.gate_proj": "ffn_gate_shexp",
         "mlp.shared_expert.up_proj": "ffn_up_shexp", "mlp.shared_expert.down_proj": "ffn_down_shexp",
         "mlp.shared_expert_gate": "ffn_gate_inp_shexp"}
EXPERT = {"gate_proj": "ffn_gate_exps", "up_proj": "ffn_up_exps", "down_proj": "ffn_down_exps",
          "w1": "ffn_gate_exps", "w3": "ffn_up_exps", "w2": "ffn_down_exps"}
TOP = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
       "lm_head.weight": "output.weight"}


def gguf_name(hf):
    """HF name -> (GGUF name, expert index or None)."""
    if hf in TOP:
        return TOP[hf], None
    p = hf.split(".")
    assert p[:2] == ["model", "layers"], hf
    blk, rest = f"blk.{p[2]}.", p[3:]
    if rest[-1] == "e_score_correction_bias":
        return blk + "exp_probs_b.bias", None
    if rest[1] == "experts":  # mlp.experts.E.gate_proj.weight
        return blk + EXPERT[rest[3]] + ".weight", int(rest[2])
    return blk + LAYER[".".join(rest[:-1])] + "." + rest[-1], None


def _q_k_heads(hf, c):
    """Heads to permute for Mixtral's q/k projections, else None."""
    if c["arch"] != "mixtral":
        return None
    if ".self_attn.q_proj." in hf:
        return c["num_attention_heads"]
    if ".self_attn.k_proj." in hf:
        return c["num_key_value_heads"]
    return None


def convert_tensors(cfg, state):
    """HF state dict -> [(GGUF name, float32 array)], experts stacked in index order."""
    c = full_config(cfg)
    out, stacks = {}, {}
    for hf, v in state.items():
        v = np.asarray(v.detach().float().numpy() if hasattr(v, "detach") else v, dtype=np.float32)
        if hf == "lm_head.weight" and c["tie_word_embeddings"]:
            continue
        name, e = gguf_name(hf)
        heads = _q_k_heads(hf, c)
        v = permute_rows(v, heads) if heads else v
        if e is None:
            out[name] = v
        else:
            stacks.setdefault(name, {})[e] = v
            out.setdefault(name, None)  # keeps first-seen order
    for name, parts in stacks.items():
        out[name] = np.stack([parts[i] for i in range(len(parts))])
    return list(out.items())


def _rope_keys(w, a, c):
    rs = c["rope_scaling"]
    if not rs:
        return
    w.add(f"{a}.rope.scaling.type", "yarn")
    w.add(f"{a}.rope.scaling.factor", float(rs["factor"]), G.VF32)
    w.add(f"{a}.rope.scaling.original_context_length", int(rs["original_max_position_embeddings"]), G.U32)
    w.add(f"{a}.rope.scaling.yarn_log_multiplier", 0.1 * float(rs.get("mscale_all_dim", 0.0)), G.VF32)
    if rs.get("beta_fast", 32) != 32:
        w.add(f"{a}.rope.scaling.yarn_beta_fast", float(rs["beta_fast"]), G.VF32)
    if rs.get("beta_slow", 1) != 1:
        w.add(f"{a}.rope.scaling.yarn_beta_slow", float(rs["beta_slow"]), G.VF32)


def _deepseek_keys(w, a, c):
    norm = bool(c["norm_topk_prob"] and c["num_experts_per_tok"] > 1)
    v3 = c["topk_method"] == "noaux_tc"
    w.add(f"{a}.leading_dense_block_count", int(c["first_k_dense_replace"]), G.U32)
    w.add(f"{a}.expert_feed_forward_length", int(c["moe_intermediate_size"]), G.U32)
    w.add(f"{a}.expert_shared_count", int(c["n_shared_experts"] or 0), G.U32)
    w.add(f"{a}.expert_weights_scale", float(c["routed_scaling_factor"] if v3 or not norm else 1.0), G.VF32)
    w.add(f"{a}.expert_weights_norm", norm, G.BOOL)
    w.add(f"{a}.expert_gating_func", 2 if c["scoring_func"] == "sigmoid" else 1, G.U32)
    if c["topk_method"] != "greedy":
        w.add(f"{a}.expert_group_count", int(c["n_group"]), G.U32)
        w.add(f"{a}.expert_group_used_count", int(c["topk_group"]), G.U32)
    if c["q_lora_rank"]:
        w.add(f"{a}.attention.q_lora_rank", int(c["q_lora_rank"]), G.U32)
    w.add(f"{a}.attention.kv_lora_rank", int(c["kv_lora_rank"]), G.U32)
    w.add(f"{a}.attention.key_length", int(c["qk_nope_head_dim"] + c["qk_rope_head_dim"]), G.U32)
    w.add(f"{a}.attention.value_length", int(c["v_head_dim"]), G.U32)
    w.add(f"{a}.rope.dimension_count", int(c["qk_rope_head_dim"]), G.U32)
    _rope_keys(w, a, c)


def add_hparams(w, c, name):
    arch, a = c["arch"], GGUF_ARCH[c["arch"]]
    w.add("general.architecture", a)
    w.add("general.name", name)
    for key, val in (("context_length", c["max_position_embeddings"]), ("embedding_length", c["hidden_size"]),
                     ("block_count", c["num_hidden_layers"]), ("feed_forward_length", c["intermediate_size"]),
                     ("attention.head_count", c["num_attention_heads"]),
                     ("attention.head_count_kv", c["num_key_value_heads"]), ("vocab_size", c["vocab_size"]),
                     ("expert_count", c["n_routed_experts"]), ("expert_used_count", c["num_experts_per_tok"])):
        w.add(f"{a}.{key}", int(val), G.U32)
    w.add(f"{a}.attention.layer_norm_rms_epsilon", float(c["rms_norm_eps"]), G.VF32)
    w.add(f"{a}.rope.freq_base", float(c["rope_theta"]), G.VF32)
    if arch == "deepseek2":
        return _deepseek_keys(w, a, c)
    w.add(f"{a}.rope.dimension_count", int(c["head_dim"]), G.U32)
    if arch == "qwen3moe" or c["head_dim"] * c["num_attention_heads"] != c["hidden_size"]:
        w.add(f"{a}.attention.key_length", int(c["head_dim"]), G.U32)
        w.add(f"{a}.attention.value_length", int(c["head_dim"]), G.U32)
    if arch in ("qwen3moe", "qwen2moe"):
        w.add(f"{a}.expert_feed_forward_length", int(c["moe_intermediate_size"]), G.U32)
    if arch == "qwen2moe" and c["shared_expert_intermediate_size"]:
        w.add(f"{a}.expert_shared_feed_forward_length", int(c["shared_expert_intermediate_size"]), G.U32)
    if c["norm_topk_prob"] != NORM_TOPK_DEFAULT[arch]:  # the engine, like llama.cpp, knows the usual rule
        w.add(f"{a}.expert_weights_norm", bool(c["norm_topk_prob"]), G.BOOL)


def write_gguf(path, cfg, state, wtype=G.F32, tokenizer=None, name="frugal-moe-test"):
    """Writes the model; 1-D tensors and routers stay F32. tokenizer: callable(writer) adding tokenizer.ggml.*."""
    c = full_config(cfg)
    w = G.GgufWriter()
    add_hparams(w, c, name)
    w.add("general.file_type", FILE_TYPE[wtype], G.U32)
    if tokenizer:
        tokenizer(w)
    for tname, arr in convert_tensors(c, state):
        f32 = arr.ndim < 2 or tname.endswith("ffn_gate_inp.weight")
        w.tensor(tname, arr, G.F32 if f32 else wtype)
    w.write(path)


DS_KEYS = {"hidden_size": "embedding_length", "intermediate_size": "feed_forward_length",
           "num_hidden_layers": "block_count", "num_attention_heads": "attention.head_count",
           "num_key_value_heads": "attention.head_count_kv", "rms_norm_eps": "attention.layer_norm_rms_epsilon",
           "rope_theta": "rope.freq_base", "max_position_embeddings": "context_length",
           "n_routed_experts": "expert_count", "num_experts_per_tok": "expert_used_count",
           "first_k_dense_replace": "leading_dense_block_count", "moe_intermediate_size": "expert_feed_forward_length",
           "n_shared_experts": "expert_shared_count", "routed_scaling_factor": "expert_weights_scale",
           "norm_topk_prob": "expert_weights_norm", "q_lora_rank": "attention.q_lora_rank",
           "kv_lora_rank": "attention.kv_lora_rank", "qk_rope_head_dim": "rope.dimension_count",
           "v_head_dim": "attention.value_length"}


def config_from_gguf(meta, tensors):
    """HF-style config of a deepseek2 GGUF written by write_gguf (YaRN scaling is not recovered)."""
    a = meta["general.architecture"]
    assert a == "deepseek2" and f"{a}.rope.scaling.type" not in meta, a
    c = {k: meta.get(f"{a}.{g}") for k, g in DS_KEYS.items()}
    groups = meta.get(f"{a}.expert_group_count", 1)
    biased = f"blk.{c['first_k_dense_replace']}.exp_probs_b.bias" in tensors
    c.update(arch=a, vocab_size=tensors["token_embd.weight"][1][1], tie_word_embeddings="output.weight" not in tensors,
             qk_nope_head_dim=meta[f"{a}.attention.key_length"] - c["qk_rope_head_dim"],
             n_group=groups, topk_group=meta.get(f"{a}.expert_group_used_count", 1),
             scoring_func="sigmoid" if meta[f"{a}.expert_gating_func"] == 2 else "softmax",
             topk_method="noaux_tc" if biased else "group_limited_greedy" if groups > 1 else "greedy")
    return c


def gguf_to_hf(cfg, tensors, dequantize=None):
    """{GGUF name: (type, ne, raw)} -> HF state dict (float32 numpy) for MoeCausalLM(cfg)."""
    c = full_config(cfg)
    cache = {}
    sd = {}
    for hf in MoeCausalLM(c).state_dict():
        name, e = gguf_name(hf)
        if name == "output.weight" and c["tie_word_embeddings"]:
            continue
        if name not in cache:
            cache[name] = tensor_to_f32(*tensors[name], dequantize)
        v = cache[name] if e is None else cache[name][e]
        heads = _q_k_heads(hf, c)
        sd[hf] = unpermute_rows(v, heads) if heads else v
    return sd
