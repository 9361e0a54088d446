#!/usr/bin/python3
"""Trains frugal's built-in default model: a byte-level BPE tokenizer and a small decoder on a text file.

Usage: /usr/bin/python3 tools/train_default.py [TEXT] --arch deepseek2|llama --out models/default.gguf
       [--steps N] [--seed S]
--arch deepseek2 (the default model): a small DeepSeek-V3-style MoE (torch_ref_moe.py): multi-head latent
attention with q LoRA and decoupled RoPE dims, a dense first layer, then one shared expert plus top-k of
fine-grained routed experts with sigmoid gating, norm_topk_prob and routed_scaling_factor. Load balance is
aux-loss-free: after each step every MoE layer's e_score_correction_bias (which only affects which experts
are chosen) moves by --bias-rate towards equal load: up for under-loaded experts, down for over-loaded ones.
--arch llama: the earlier dense default (torch_ref.py); the same command with --arch llama reproduces it.
Deterministic for a given seed and thread count (torch.set_num_threads(--threads), default 2).
The last ~5% of the text (cut at a blank line) is held out for validation. Every training sample is
<|endoftext|> followed by ctx-1 tokens that start at the beginning of a line, so the GGUF sets
add_bos_token = true. Writes the GGUF (F16 2-D weights) and an HF tokenizer.json beside it.
Fast matrix products need an optimized BLAS under torch (Debian: apt-get install libopenblas0-pthread).
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frugalpy import gguf_io as G  # noqa: E402
from frugalpy.bpe_train import train_bpe, hf_tokenizer_json  # noqa: E402
from frugalpy import hf_to_gguf, hf_to_gguf_moe, torch_ref, torch_ref_moe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
    p.add_argument("--arch", choices=("deepseek2", "llama"), default="deepseek2")
    p.add_argument("--out", default=os.path.join(ROOT, "models", "default.gguf"))
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--vocab", type=int, default=2048)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--ffn", type=int, default=768, help="dense layers' feed-forward size")
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--dropout", type=float, default=0.1)
    m = p.add_argument_group("deepseek2")
    m.add_argument("--dense-layers", type=int, default=1, help="leading dense layers (first_k_dense_replace)")
    m.add_argument("--experts", type=int, default=16, help="routed experts per MoE layer")
    m.add_argument("--top-k", type=int, default=3, help="routed experts per token")
    m.add_argument("--expert-ffn", type=int, default=192, help="feed-forward size of each expert (and the shared one)")
    m.add_argument("--routed-scale", type=float, default=1.5, help="routed_scaling_factor")
    m.add_argument("--q-lora", type=int, default=128)
    m.add_argument("--kv-lora", type=int, default=64)
    m.add_argument("--bias-rate", type=float, default=1e-2, help="selection-bias update per step")
    return p.parse_args()


def model_config(a):
    common = {"arch": a.arch, "vocab_size": a.vocab, "hidden_size": a.dim, "intermediate_size": a.ffn,
              "num_hidden_layers": a.layers, "num_attention_heads": 8, "rope_theta": 10000.0,
              "tie_word_embeddings": True, "max_position_embeddings": a.ctx, "dropout": a.dropout}
    if a.arch == "llama":
        return dict(common, num_key_value_heads=4, rms_norm_eps=1e-5)
    return dict(common, rms_norm_eps=1e-6, q_lora_rank=a.q_lora, kv_lora_rank=a.kv_lora, qk_nope_head_dim=32,
                qk_rope_head_dim=16, v_head_dim=32, first_k_dense_replace=a.dense_layers,
                n_routed_experts=a.experts, num_experts_per_tok=a.top_k, moe_intermediate_size=a.expert_ffn,
                n_shared_experts=1, scoring_func="sigmoid", topk_method="noaux_tc", n_group=1, topk_group=1,
                norm_topk_prob=True, routed_scaling_factor=a.routed_scale)


def moe_layers(model):
    """The routed-expert blocks of a torch_ref_moe model (none in a dense one)."""
    return [m for m in model.modules() if isinstance(m, torch_ref_moe.SparseMoe)]


def count_params(model):
    """(total, active per token): a token skips the routed experts it is not sent to."""
    total = sum(p.numel() for p in model.parameters())
    idle = 0
    for moe in moe_layers(model):
        per_expert = sum(p.numel() for p in moe.experts[0].parameters())
        idle += (len(moe.experts) - moe.c["num_experts_per_tok"]) * per_expert
    return total, total - idle


@torch.no_grad()
def balance_experts(model, rate):
    """Aux-loss-free load balancing (DeepSeek-V3): after a step, each MoE layer's selection bias moves by
    rate towards equal load, from the last forward's choices. Returns max load / mean load per layer."""
    out = []
    for moe in moe_layers(model):
        bias = moe.gate.e_score_correction_bias
        load = torch.bincount(moe.last["idx"].flatten(), minlength=len(bias)).to(bias.dtype)
        bias += rate * torch.sign(load.mean() - load)
        out.append((load.max() / load.mean()).item())
    return out


def split_text(text, frac=0.95):
    cut = text.rfind("\n\n", 0, int(len(text) * frac)) + 2
    return text[:cut], text[cut:]


def line_starts(ids, nl_id, ctx):
    """Token positions that begin a line and leave room for a ctx-1 token window."""
    ids = np.asarray(ids)
    starts = np.concatenate(([0], np.nonzero(ids[:-1] == nl_id)[0] + 1))
    return starts[starts + ctx - 1 <= len(ids)]


def batch(ids, starts, bos, ctx):
    """[BOS] + ids[s : s+ctx-1] for each start -> (inputs, targets), both [B, ctx-1]."""
    rows = np.stack([np.concatenate(([bos], ids[s:s + ctx - 1])) for s in starts])
    x = torch.from_numpy(rows.astype(np.int64))
    return x[:, :-1], x[:, 1:]


@torch.no_grad()
def evaluate(model, ids, starts, bos, ctx, n=48):
    model.eval()
    pick = starts[np.linspace(0, len(starts) - 1, n).astype(int)]
    losses = []
    for chunk in np.array_split(pick, max(1, n // 16)):
        x, y = batch(ids, chunk, bos, ctx)
        losses.append(F.cross_entropy(model(x).flatten(0, 1), y.flatten()).item())
    model.train()
    return float(np.mean(losses))


def lr_at(step, a, warmup=40):
    if step < warmup:
        return a.lr * (step + 1) / warmup
    t = (step - warmup) / max(1, a.steps - warmup)
    return 0.05 * a.lr + 0.95 * a.lr * 0.5 * (1 + math.cos(math.pi * t))


def train(model, tr, va, tok, a, log):
    nl, bos = tok.ids["\u010a"], tok.eot
    tr_starts, va_starts = line_starts(tr, nl, a.ctx), line_starts(va, nl, a.ctx)
    for moe in moe_layers(model):
        moe.gate.e_score_correction_bias.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    decay, other = [p for p in params if p.dim() == 2], [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    rng = np.random.RandomState(a.seed)
    t0 = time.time()
    for step in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, a)
        x, y = batch(tr, rng.choice(tr_starts, a.batch), bos, a.ctx)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        load = balance_experts(model, a.bias_rate)
        if step % 25 == 0 or step == a.steps - 1:
            bal = "  max/mean load " + " ".join(f"{v:.2f}" for v in load) if load else ""
            log(f"step {step:5d}  loss {loss.item():.4f}  lr {lr_at(step, a):.2e}  {time.time() - t0:7.1f}s{bal}")
        if (step + 1) % 200 == 0 or step == a.steps - 1:
            log(f"eval step {step + 1}: train {evaluate(model, tr, tr_starts, bos, a.ctx):.4f}"
                f"  val {evaluate(model, va, va_starts, bos, a.ctx):.4f}")
    return time.time() - t0


@torch.no_grad()
def sample(model, tok, n=200, temp=0.8, top_k=40, seed=0):
    """Text generated from <|endoftext|> alone (the engine's empty prompt with add_bos_token)."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    ids = [tok.eot]
    for _ in range(n):
        logits = model(torch.tensor(ids[-model.config["max_position_embeddings"]:]))[-1] / temp
        v, i = logits.topk(top_k)
        nxt = i[torch.multinomial(torch.softmax(v, -1), 1, generator=g)].item()
        if nxt == tok.eot:
            break
        ids.append(nxt)
    return tok.decode(ids[1:])


def main():
    a = parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    log = lambda s: print(s, flush=True)  # noqa: E731
    text = open(a.text, encoding="utf-8").read()
    tr_text, va_text = split_text(text)
    t0 = time.time()
    tok = train_bpe(tr_text, a.vocab, log=log)
    tr, va = np.array(tok.encode(tr_text)), np.array(tok.encode(va_text))
    log(f"tokenizer: {len(tok.vocab)} tokens in {time.time() - t0:.1f}s; train {len(tr)} / val {len(va)} tokens")
    cfg = model_config(a)
    ref, conv = (torch_ref, hf_to_gguf) if a.arch == "llama" else (torch_ref_moe, hf_to_gguf_moe)
    model = ref.make_model(cfg, seed=a.seed)
    total, active = count_params(model)
    log(f"model: {cfg}\nparameters: {total}" + (f" (active per token {active})" if active < total else ""))
    secs = train(model, tr, va, tok, a, log)
    log(f"training wall time: {secs:.0f}s")
    model.eval()
    cfg.pop("dropout")
    conv.write_gguf(a.out, cfg, model.state_dict(), G.F16, tok.gguf_adder(add_bos=True), name="frugal-default")
    with open(os.path.splitext(a.out)[0] + "-tokenizer.json", "w", encoding="utf-8") as f:
        f.write(hf_tokenizer_json(tok, add_bos=True))
    log(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")
    for s in range(2):
        log(f"--- sample {s} ---\n{sample(model, tok, seed=s)}")


if __name__ == "__main__":
    main()
