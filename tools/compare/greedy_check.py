"""Teacher-forced greedy agreement of `frugal logits` with a llama.cpp greedy run (greedy_llamacpp.mjs).

  node tools/compare/greedy_llamacpp.mjs M.gguf 24 ID ... > ll.json
  /usr/bin/python3 tools/compare/greedy_check.py build/frugal ll.json [frugal logits options]

Feeds the prompt plus llama.cpp's tokens to frugal and counts the positions where frugal's argmax is
llama.cpp's next token; for the others prints how far (relative to the top logit) frugal ranks it below.
An independent decoder of the weight formats: a misread format agrees on about 0 positions.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

bin_, js = sys.argv[1], sys.argv[2]
r = json.load(open(js))
P, G = r["prompt"], r["generated"]
toks = P + G[:-1]
out = os.path.join(tempfile.mkdtemp(), "logits.bin")
cmd = [bin_, "logits", "-m", r["model"], "-t", "2", "--tokens", " ".join(map(str, toks)), "-o", out]
subprocess.run(cmd + sys.argv[3:], check=True, capture_output=True)
raw = np.fromfile(out, "<f4")
L = raw.reshape(len(toks), -1)
am = L[len(P) - 1:].argmax(axis=1)
match = (am == np.array(G))
rows = L[len(P) - 1:]
srt = np.sort(rows, axis=1)
margin = (srt[:, -1] - srt[:, -2]) / np.abs(srt[:, -1])
# where they differ: llama.cpp's token's logit vs ours top
diff = [(i, float((rows[i].max() - rows[i][G[i]]) / abs(rows[i].max()))) for i in range(len(G)) if not match[i]]
print(f"{os.path.basename(r['model'])}: {match.sum()}/{len(G)} greedy tokens agree; "
      f"median top-1 margin {np.median(margin):.2e}; misses (position, relative gap) {diff}")
