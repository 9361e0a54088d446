#!/usr/bin/python3
"""Trains frugal's built-in default model: a byte-level BPE tokenizer and a small llama on a text file.

Usage: /usr/bin/python3 tools/train_default.py [TEXT] --out models/default.gguf [--steps N] [--seed S]
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
from frugalpy.hf_to_gguf import write_gguf  # noqa: E402
from frugalpy.torch_ref import make_model  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "tinyshakespeare.txt"))
    p.add_argument("--out", default=os.path.join(ROOT, "models", "default.gguf"))
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--vocab", type=int, default=2048)
    p.add_argument("--dim", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--ffn", type=int, default=768)
    p.add_argument("--ctx", type=int, default=256)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--dropout", type=float, default=0.1)
    return p.parse_args()


def model_config(a):
    return {"arch": "llama", "vocab_size": a.vocab, "hidden_size": a.dim, "intermediate_size": a.ffn,
            "num_hidden_layers": a.layers, "num_attention_heads": 8, "num_key_value_heads": 4,
            "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": True,
            "max_position_embeddings": a.ctx, "dropout": a.dropout}


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
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
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
        if step % 25 == 0 or step == a.steps - 1:
            log(f"step {step:5d}  loss {loss.item():.4f}  lr {lr_at(step, a):.2e}  {time.time() - t0:7.1f}s")
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
    model = make_model(cfg, seed=a.seed)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {cfg}\nparameters: {n_params}")
    secs = train(model, tr, va, tok, a, log)
    log(f"training wall time: {secs:.0f}s")
    model.eval()
    cfg.pop("dropout")
    write_gguf(a.out, cfg, model.state_dict(), G.F16, tok.gguf_adder(add_bos=True), name="frugal-default")
    with open(os.path.splitext(a.out)[0] + "-tokenizer.json", "w", encoding="utf-8") as f:
        f.write(hf_tokenizer_json(tok, add_bos=True))
    log(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")
    for s in range(2):
        log(f"--- sample {s} ---\n{sample(model, tok, seed=s)}")


if __name__ == "__main__":
    main()
