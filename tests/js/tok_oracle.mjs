// Helpers for the tokenizer oracle tests: HF reference tokenizers, GGUF conversion, the frugal CLI.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { TokenizerLoader } from "@lenml/tokenizers";

export const ROOT = process.env.FRUGAL_ROOT ?? path.resolve(process.cwd(), "../..");
export const BIN = process.env.FRUGAL_BIN ?? path.join(ROOT, "build/frugal");
export const TMP = process.env.FRUGAL_TEST_TMP ?? path.join(ROOT, "build/test-tmp");
fs.mkdirSync(TMP, { recursive: true });

export function modelDir(name) {
  return path.join(ROOT, "tests/js/node_modules/@lenml", `tokenizer-${name}`, "models");
}

function readJson(p) {
  return JSON.parse(fs.readFileSync(p, "utf8"));
}

// The reference tokenizer. With noSpecial, special added tokens are left out of the splitter, which
// is Hugging Face's split_special_tokens=True (frugal's parse_special=false).
export function loadHf(name, { noSpecial = false } = {}) {
  const tokenizerJSON = readJson(path.join(modelDir(name), "tokenizer.json"));
  const tokenizerConfig = readJson(path.join(modelDir(name), "tokenizer_config.json"));
  if (noSpecial) tokenizerJSON.added_tokens = tokenizerJSON.added_tokens.filter((a) => !a.special);
  return TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
}

// tokenizer.json -> vocab-only GGUF with tools/tokenizer_to_gguf.py (Debian's python3).
export function convert(name, { scoresOnly = false } = {}) {
  const out = path.join(TMP, `tok-${name}${scoresOnly ? "-scores" : ""}.gguf`);
  execFileSync("/usr/bin/python3", [path.join(ROOT, "tools/tokenizer_to_gguf.py"),
    path.join(modelDir(name), "tokenizer.json"), "-o", out, ...(scoresOnly ? ["--spm-scores-only"] : [])],
  { env: { ...process.env, PYTHONPATH: path.join(ROOT, "tools") }, stdio: ["ignore", "inherit", "inherit"] });
  return out;
}

// Runs `frugal tokenize --jsonl-in` over JSON lines; returns one parsed record per input line.
export function runFrugal(gguf, lines, extraArgs = []) {
  const input = path.join(TMP, `tok-in-${process.pid}-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(input, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  try {
    const out = execFileSync(BIN, ["tokenize", "-m", gguf, "--jsonl-in", input, ...extraArgs],
      { maxBuffer: 1 << 30, encoding: "utf8" });
    return out.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
  } finally {
    fs.rmSync(input, { force: true });
  }
}

export function readCorpus() {
  const p = path.join(ROOT, "tests/data/tokenizer/corpus.jsonl");
  return fs.readFileSync(p, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

export function sameIds(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Seeded PRNG (mulberry32) for reproducible random id sequences.
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
