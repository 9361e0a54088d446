// Prompt (pp) and generation (tg) throughput of llama.cpp on the CPU, through node-llama-cpp's
// prebuilt binaries (it picks the CPU variant at run time: zen4, icelake, haswell, ...), for
// side-by-side runs with `frugal bench`. Like llama-bench: pp evaluates n_prompt random tokens
// in batches of 512; tg decodes n_gen tokens one at a time, each with its logits (plus a greedy
// pick). With DEPTH, both run after DEPTH cached tokens (llama-bench -d): the context is filled
// once and cut back to DEPTH after every repetition. The KV cache is llama.cpp's default (f16),
// or with KV_CACHE_TYPE=q8_0 q8_0 keys and values (llama-bench -ctk q8_0 -ctv q8_0 -fa 1: a
// quantized V cache needs flash attention). Prints one JSON object.
//
//   [LLAMACPP_DIR=DIR] [KV_CACHE_TYPE=f16|q8_0] node bench_llamacpp.mjs MODEL.gguf N_PROMPT N_GEN [REPS] [THREADS] [DEPTH]
//
// LLAMACPP_DIR: a folder whose node_modules holds the node-llama-cpp to run (default: this
// script's folder; llamacpp-b4753/ pins the February 2025 llama.cpp of the figures).
import {readFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

const nlcDir = process.env.LLAMACPP_DIR || dirname(fileURLToPath(import.meta.url));
const pkgDir = join(nlcDir, "node_modules", "node-llama-cpp");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const {getLlama} = await import(pathToFileURL(join(pkgDir, pkg.main)).href);
const release = JSON.parse(readFileSync(join(pkgDir, "llama", "binariesGithubRelease.json"), "utf8")).release;

const [modelPath, nPrompt, nGen, reps, threads, depth] = [
  process.argv[2], Number(process.argv[3] ?? 512), Number(process.argv[4] ?? 128),
  Number(process.argv[5] ?? 3), Number(process.argv[6] ?? 2), Number(process.argv[7] ?? 0)];
if (!modelPath || !(nPrompt >= 0) || !(nGen >= 0) || !(reps >= 1) || !(threads >= 1) || !(depth >= 0)) {
  console.error("usage: node bench_llamacpp.mjs MODEL.gguf N_PROMPT N_GEN [REPS] [THREADS] [DEPTH]");
  process.exit(2);
}

// Token ids from a fixed linear congruential sequence (ids 100 .. 20099: ordinary tokens).
function tokens(n, seed) {
  const out = [];
  for (let s = seed; out.length < n;) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(100 + (s % 20000));
  }
  return out;
}
function median(v) {
  const s = [...v].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const kvType = process.env.KV_CACHE_TYPE || "f16";
if (!["f16", "q8_0"].includes(kvType)) {
  console.error(`KV_CACHE_TYPE: f16 or q8_0, not ${kvType}`);
  process.exit(2);
}
const kvOptions = kvType === "q8_0" ?
    {experimentalKvCacheKeyType: "Q8_0", experimentalKvCacheValueType: "Q8_0", flashAttention: true} : {};
const llama = await getLlama({gpu: false, logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext(
    {contextSize: depth + Math.max(nPrompt, nGen) + 16, batchSize: 512, threads, ...kvOptions});
const seq = context.getSequence();
if (depth > 0) await seq.evaluateWithoutGeneratingNewTokens(tokens(depth, 99));
const cutBack = async () => seq.eraseContextTokenRanges([{start: depth, end: seq.nextTokenIndex}]);
const pp = [], tg = [];
for (let r = 0; r < reps; ++r) {
  if (nPrompt > 0) {
    const t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(tokens(nPrompt, r + 1));
    pp.push(nPrompt / ((performance.now() - t0) / 1000));
    await cutBack();
  }
  if (nGen > 0) {
    let n = 0;
    const t0 = performance.now();
    for await (const _ of seq.evaluate(tokens(1, r + 7), {temperature: 0})) if (++n >= nGen) break;
    tg.push(n / ((performance.now() - t0) / 1000));
    await cutBack();
  }
}
seq.dispose();
console.log(JSON.stringify({
  engine: `llama.cpp ${release} via node-llama-cpp ${pkg.version} (prebuilt CPU binaries)`,
  model: modelPath, threads, n_prompt: nPrompt, n_gen: nGen, depth, kv_cache_type: kvType,
  pp_samples: pp, tg_samples: tg,
  pp_tokens_per_second_median: pp.length ? median(pp) : null,
  tg_tokens_per_second_median: tg.length ? median(tg) : null}));
await context.dispose();
await model.dispose();
await llama.dispose();
