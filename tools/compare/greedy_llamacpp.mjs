// llama.cpp's greedy continuation of a token sequence, through node-llama-cpp's prebuilt CPU
// binaries: an independent decoder of the weight formats for cross-checks with `frugal logits`
// (teacher-forced: frugal's argmax after each prefix must be llama.cpp's next token).
//   [LLAMACPP_DIR=DIR] node greedy_llamacpp.mjs MODEL.gguf N_GEN TOKEN_ID ...
// Prints one JSON object: the prompt ids and the n_gen generated ids.
import {readFileSync} from "node:fs";
import {dirname, join} from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

const nlcDir = process.env.LLAMACPP_DIR || dirname(fileURLToPath(import.meta.url));
const pkgDir = join(nlcDir, "node_modules", "node-llama-cpp");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const {getLlama} = await import(pathToFileURL(join(pkgDir, pkg.main)).href);

const [modelPath, nGenArg, ...ids] = process.argv.slice(2);
const nGen = Number(nGenArg), prompt = ids.map(Number);
if (!modelPath || !(nGen >= 1) || prompt.length === 0 || prompt.some((t) => !Number.isInteger(t) || t < 0)) {
  console.error("usage: node greedy_llamacpp.mjs MODEL.gguf N_GEN TOKEN_ID ...");
  process.exit(2);
}
const llama = await getLlama({gpu: false, logLevel: "error"});
const model = await llama.loadModel({modelPath, gpuLayers: 0});
const context = await model.createContext({contextSize: prompt.length + nGen + 16, batchSize: 512, threads: 2});
const seq = context.getSequence();
const out = [];
for await (const t of seq.evaluate(prompt, {temperature: 0})) {
  out.push(t);
  if (out.length >= nGen) break;
}
console.log(JSON.stringify({model: modelPath, prompt, generated: out}));
seq.dispose();
await context.dispose();
await model.dispose();
await llama.dispose();
