"""GPT-2-style byte-level BPE: trainer, encoder, and writers for GGUF tokenizer keys and HF tokenizer.json.

Pre-tokenization is the GPT-2 regex (tokenizer.ggml.pre = "gpt-2"):
    's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
Python's `re` has no \\p{..}, so gpt2_pattern(text) builds the same regex with explicit character
classes: every distinct character of `text` is classified with unicodedata (category L* -> letter,
N* -> number, Unicode White_Space -> space), and the negated classes are complements of those sets.
The pattern is therefore exact for every string made of characters that occur in `text` (the
training text), which is all it is ever applied to here. Alternation order and the (?!\\S)
look-ahead behave as in PCRE.
Vocabulary layout: ids 0..255 are the 256 byte symbols (GPT-2 byte->unicode map) in byte order,
then one token per learned merge, then <|endoftext|> (control, type 3), used as BOS and EOS.
"""
import json
import re
import unicodedata
from collections import Counter, defaultdict

from frugalpy import gguf_io as G

EOT = "<|endoftext|>"
_UNICODE_SPACES = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008" \
                  "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character map."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def gpt2_pattern(text):
    """Compiled GPT-2 pre-tokenizer regex, exact for strings over the characters of `text`."""
    chars = sorted(set(text))
    cls = lambda cs: "".join(re.escape(ch) for ch in cs) or "\\x00"  # noqa: E731 (\x00: never-empty class)
    L = cls(ch for ch in chars if unicodedata.category(ch).startswith("L"))
    N = cls(ch for ch in chars if unicodedata.category(ch).startswith("N"))
    S = cls(ch for ch in chars if ch in _UNICODE_SPACES)
    pat = (f"'s|'t|'re|'ve|'m|'ll|'d| ?[{L}]+| ?[{N}]+| ?[^{S}{L}{N}]+|[{S}]+(?![^{S}])|[{S}]+")
    return re.compile(pat)


def pretokens(text, pattern):
    """Pre-tokens of text as byte-unicode strings."""
    b2u = bytes_to_unicode()
    return ["".join(b2u[b] for b in m.encode("utf-8")) for m in pattern.findall(text)]


def _merge_word(word, a, b, ab):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(ab)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _pair_counts(word, freq, sign, counts, where, idx):
    for p in zip(word, word[1:]):
        counts[p] += sign * freq
        if sign > 0:
            where[p].add(idx)


def train_bpe(text, vocab_size=2048, log=None):
    """Learns merges until the vocabulary (256 bytes + merges + <|endoftext|>) has vocab_size tokens.
    Ties on the count are broken by the lexicographically smallest pair (deterministic)."""
    pattern = gpt2_pattern(text)
    freqs = Counter(pretokens(text, pattern))
    words = [list(w) for w in freqs]
    wfreq = [freqs[w] for w in freqs]
    counts, where = Counter(), defaultdict(set)
    for i, w in enumerate(words):
        _pair_counts(w, wfreq[i], 1, counts, where, i)
    b2u = bytes_to_unicode()
    vocab = [b2u[b] for b in range(256)]
    known, merges = set(vocab), []
    while len(vocab) + 1 < vocab_size and counts:
        n = max(counts.values())
        a, b = min(p for p, v in counts.items() if v == n)
        if n <= 0:
            break
        ab = a + b
        merges.append((a, b))
        if ab not in known:
            known.add(ab)
            vocab.append(ab)
        for i in list(where[(a, b)]):
            w = words[i]
            _pair_counts(w, wfreq[i], -1, counts, where, i)
            words[i] = _merge_word(w, a, b, ab)
            _pair_counts(words[i], wfreq[i], 1, counts, where, i)
        for p in [p for p, v in counts.items() if v <= 0]:
            del counts[p]
            where.pop(p, None)
        if log and len(merges) % 250 == 0:
            log(f"bpe: {len(merges)} merges, last {ab!r} x{n}")
    vocab.append(EOT)
    return Tokenizer(vocab, merges, pattern)


class Tokenizer:
    """Byte-level BPE encoder/decoder over a vocab list and an ordered merge list."""

    def __init__(self, vocab, merges, pattern):
        self.vocab, self.merges, self.pattern = vocab, merges, pattern
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.rank = {m: r for r, m in enumerate(merges)}
        self.eot = self.ids[EOT]
        self.cache = {}
        self.u2b = {u: b for b, u in bytes_to_unicode().items()}

    def _bpe(self, word):
        syms = list(word)
        while len(syms) > 1:
            ranked = [(self.rank.get(p, 1 << 30), i) for i, p in enumerate(zip(syms, syms[1:]))]
            r, i = min(ranked)
            if r == 1 << 30:
                break
            syms = _merge_word(syms, syms[i], syms[i + 1], syms[i] + syms[i + 1])
        return [self.ids[s] for s in syms]

    def encode(self, text):
        out = []
        for w in pretokens(text, self.pattern):
            if w not in self.cache:
                self.cache[w] = self._bpe(w)
            out.extend(self.cache[w])
        return out

    def decode(self, ids):
        data = bytes(self.u2b[ch] for i in ids if i != self.eot for ch in self.vocab[i])
        return data.decode("utf-8", errors="replace")

    def token_types(self):
        return [3 if t == EOT else 1 for t in self.vocab]

    def gguf_adder(self, add_bos=True):
        """callable(writer) writing the tokenizer.ggml.* keys (for hf_to_gguf.write_gguf)."""
        return lambda w: add_tokenizer(w, self.vocab, self.token_types(), [f"{a} {b}" for a, b in self.merges],
                                       self.eot, self.eot, add_bos)


def add_tokenizer(w, tokens, types, merges, bos, eos, add_bos):
    """GGUF tokenizer section for a gpt2-style BPE vocabulary."""
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", "gpt-2")
    w.add("tokenizer.ggml.tokens", list(tokens), elem_type=G.STRING)
    w.add("tokenizer.ggml.token_type", list(types), elem_type=G.I32)
    w.add("tokenizer.ggml.merges", list(merges), elem_type=G.STRING)
    w.add("tokenizer.ggml.bos_token_id", int(bos), G.U32)
    w.add("tokenizer.ggml.eos_token_id", int(eos), G.U32)
    w.add("tokenizer.ggml.add_bos_token", bool(add_bos), G.BOOL)
    w.add("tokenizer.ggml.add_eos_token", False, G.BOOL)


def minimal_vocab(n_vocab):
    """A loadable test vocabulary of exactly n_vocab tokens: 256 bytes, two-letter merges, <|endoftext|>.
    Returns (tokens, types, merges)."""
    b2u = bytes_to_unicode()
    tokens = [b2u[b] for b in range(256)]
    merges = []
    letters = "etaoinshrdlucmfwypvbgkjqxz"
    for a in letters:
        for b in letters:
            if len(tokens) + 1 >= n_vocab:
                break
            tokens.append(a + b)
            merges.append(f"{a} {b}")
    assert len(tokens) + 1 == n_vocab, "n_vocab must be in 257..933"
    tokens.append(EOT)
    return tokens, [3 if t == EOT else 1 for t in tokens], merges


def hf_tokenizer_json(tok, add_bos=True):
    """HF `tokenizers` JSON equivalent of tok (ByteLevel pre-tokenizer/decoder, BPE model)."""
    special = {"id": tok.eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
               "normalized": False, "special": True}
    post = None
    if add_bos:
        seq = lambda s: [{"SpecialToken": {"id": EOT, "type_id": 0}}, {"Sequence": {"id": s, "type_id": 0}}]  # noqa
        post = {"type": "TemplateProcessing", "single": seq("A"), "pair": seq("A") + seq("B")[1:],
                "special_tokens": {EOT: {"id": EOT, "ids": [tok.eot], "tokens": [EOT]}}}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
             "vocab": {t: i for i, t in enumerate(tok.vocab) if t != EOT},
             "merges": [f"{a} {b}" for a, b in tok.merges]}
    doc = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [special], "normalizer": None,
           "pre_tokenizer": byte_level, "post_processor": post, "decoder": byte_level, "model": model}
    return json.dumps(doc, ensure_ascii=False, indent=1)
