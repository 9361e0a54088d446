// Jinja language features (statements, expressions, filters, tests, whitespace control, errors):
// small templates from tests/data/templates/snippets.json rendered by frugal, @huggingface/jinja
// and Python Jinja2, judged as in test_template_hf.mjs.
import fs from "node:fs";
import path from "node:path";
import { env, runOracle } from "./tpl_oracle.mjs";

const snippets = JSON.parse(fs.readFileSync(path.join(env.root, "tests/data/templates/snippets.json"), "utf8"));
const context = {
  messages: [],
  tools: null,
  documents: null,
  add_generation_prompt: false,
  d: { items: [1], a: 1, b: "x" },
  s: "hi",
  l: [3, 1, 2],
  msgs: [
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Yo" },
  ],
};
const jobs = snippets.map((template, i) => ({ name: `snippet ${i}: ${JSON.stringify(template).slice(0, 80)}`, template, context }));
const failed = runOracle("template language snippets", jobs);
console.log(`${jobs.length - failed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
