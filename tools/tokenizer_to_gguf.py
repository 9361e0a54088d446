#!/usr/bin/env python3
"""Converts a Hugging Face tokenizer.json (+ tokenizer_config.json) into a vocab-only GGUF.

Writes the tokenizer.ggml.* keys as llama.cpp's converter does (model, pre, tokens, token_type,
merges, scores, special ids, add_bos/add_eos, chat_template). Differences from llama.cpp: token
types follow the Hugging Face `special` flag exactly (no "looks special" heuristic), and SentencePiece
vocabularies from tokenizer.json also carry their merges (frugal then merges by rank, as HF does).

usage: tokenizer_to_gguf.py tokenizer.json [--config tokenizer_config.json] [--pre NAME] [--spm-scores-only] -o out.gguf
"""
import argparse
import json
import os
import re
import sys

from frugalpy.gguf_io import BOOL, I32, STRING, U32, VF32, GgufWriter

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def split_regexes(pre):
    """Regex patterns of the Split pre-tokenizers, in order."""
    if not pre:
        return []
    if pre.get("type") == "Sequence":
        return [r for p in pre.get("pretokenizers", []) for r in split_regexes(p)]
    if pre.get("type") == "Split":
        return [pre.get("pattern", {}).get("Regex", "")]
    return []


def has_type(node, name):
    if isinstance(node, dict):
        return node.get("type") == name or any(has_type(v, name) for v in node.values())
    if isinstance(node, list):
        return any(has_type(v, name) for v in node)
    return False


def detect_pre(tj):
    """The llama.cpp pre-tokenizer name of a byte-level BPE tokenizer.json."""
    rx = split_regexes(tj.get("pre_tokenizer"))
    if not rx:
        return "gpt-2"  # ByteLevel(use_regex=True) alone: the GPT-2 pattern
    if len(rx) == 1:
        r = rx[0]
        if r"\p{Lu}\p{Lt}" in r and r"[\r\n/]*" in r:
            return "gpt-4o"
        if r"(?i:'s" in r and r"\p{N}{1,3}" in r:
            return "llama-bpe"
        if r"(?i:'s" in r and r"|\p{N}|" in r:
            return "qwen2"
    if len(rx) == 3 and rx[0] == r"\p{N}{1,3}":
        return "deepseek-v3"
    if rx[0] in ("[\r\n]", r"[\r\n]"):
        return "deepseek-coder" if len(rx) > 1 and rx[1] == r"\s?\p{L}+" else "deepseek-llm"
    raise SystemExit("cannot recognise the pre-tokenizer; pass --pre NAME")


def token_content(v):
    if isinstance(v, dict):
        return v.get("content")
    return v


def template_flags(post):
    """(add_bos, add_eos) implied by a TemplateProcessing post-processor, or (None, None)."""
    if not post:
        return None, None
    if post.get("type") == "Sequence":
        for p in post.get("processors", []):
            f = template_flags(p)
            if f != (None, None):
                return f
        return None, None
    if post.get("type") != "TemplateProcessing":
        return None, None
    single = post.get("single", [])
    return (bool(single) and "SpecialToken" in single[0], bool(single) and "SpecialToken" in single[-1])


def build(tj, cfg, pre_name, scores_only=False):
    model = tj["model"]
    if model.get("type", "BPE") != "BPE":
        raise SystemExit(f"unsupported model type {model.get('type')}")
    byte_level = has_type(tj.get("pre_tokenizer"), "ByteLevel") or has_type(tj.get("decoder"), "ByteLevel")
    kind = "gpt2" if byte_level else "llama"
    vocab = dict(model["vocab"])
    added = {a["id"]: a for a in tj.get("added_tokens", [])}
    for i, a in added.items():
        vocab[a["content"]] = i
    n = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(n)]
    types = [UNUSED] * n
    for t, i in vocab.items():
        tokens[i] = t
        types[i] = NORMAL
    unk = token_content(cfg.get("unk_token")) or model.get("unk_token")
    for i, a in added.items():
        types[i] = (UNKNOWN if a["content"] == unk else CONTROL) if a["special"] else USER_DEFINED
    if kind == "llama":
        for i, t in enumerate(tokens):
            if types[i] == NORMAL and re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", t):
                types[i] = BYTE
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]

    w = GgufWriter()
    w.add("general.name", cfg.get("name_or_path") or "vocab")
    w.add("tokenizer.ggml.model", kind)
    w.add("tokenizer.ggml.pre", pre_name or (detect_pre(tj) if kind == "gpt2" else "default"))
    w.add("tokenizer.ggml.tokens", tokens, elem_type=STRING)
    w.add("tokenizer.ggml.token_type", types, elem_type=I32)
    if kind == "gpt2" or not scores_only:  # --spm-scores-only: like llama.cpp, SentencePiece by scores alone
        w.add("tokenizer.ggml.merges", merges, elem_type=STRING)
    if kind == "llama":
        w.add("tokenizer.ggml.scores", spm_scores(tokens, types, merges), elem_type=VF32)
        norm = json.dumps(tj.get("normalizer")) + json.dumps(tj.get("pre_tokenizer"))
        w.add("tokenizer.ggml.add_space_prefix", "Prepend" in norm or '"prepend_scheme": "always"' in norm, vtype=BOOL)
    for key, name in (("bos_token", "bos"), ("eos_token", "eos"), ("unk_token", "unknown"), ("pad_token", "padding")):
        content = token_content(cfg.get(key)) if key != "unk_token" else unk
        if content is not None and content in vocab:
            w.add(f"tokenizer.ggml.{name}_token_id", vocab[content], vtype=U32)
    bos_flag, eos_flag = template_flags(tj.get("post_processor"))
    add_bos = cfg.get("add_bos_token", bos_flag)
    add_eos = cfg.get("add_eos_token", eos_flag)
    if add_bos is not None:
        w.add("tokenizer.ggml.add_bos_token", bool(add_bos), vtype=BOOL)
    if add_eos is not None:
        w.add("tokenizer.ggml.add_eos_token", bool(add_eos), vtype=BOOL)
    tmpl = cfg.get("chat_template")
    if isinstance(tmpl, list):
        tmpl = next((t["template"] for t in tmpl if t.get("name") == "default"), None)
    if isinstance(tmpl, str):
        w.add("tokenizer.chat_template", tmpl)
    return w


def spm_scores(tokens, types, merges):
    """SentencePiece-style scores: a merged token scores -rank of its first merge; others never win."""
    index = {t: i for i, t in enumerate(tokens)}
    scores = [0.0] * len(tokens)
    for i, t in enumerate(types):
        if t == NORMAL:
            scores[i] = -1e6 - i
    seen = set()
    for rank, m in enumerate(merges):
        a, b = m.split(" ", 1)
        i = index.get(a + b)
        if i is not None and i not in seen:
            seen.add(i)
            scores[i] = float(-rank)
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tokenizer_json")
    ap.add_argument("--config", help="tokenizer_config.json (default: next to tokenizer.json)")
    ap.add_argument("--pre", help="tokenizer.ggml.pre value (default: detected)")
    ap.add_argument("--spm-scores-only", action="store_true",
                    help="SentencePiece vocab: write scores but no merges (frugal then merges by score)")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    with open(args.tokenizer_json, encoding="utf-8") as f:
        tj = json.load(f)
    cfg_path = args.config or os.path.join(os.path.dirname(args.tokenizer_json), "tokenizer_config.json")
    cfg = {}
    if os.path.exists(cfg_path):
        with open(cfg_path, encoding="utf-8") as f:
            cfg = json.load(f)
    build(tj, cfg, args.pre, args.spm_scores_only).write(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
