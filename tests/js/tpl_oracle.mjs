// Shared helpers for the chat-template oracle tests: render jobs with @huggingface/jinja, with
// Python Jinja2 configured as transformers configures it, and with `frugal template --batch`,
// then judge frugal's output against them.
import { Template } from "@huggingface/jinja";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

// A fixed clock for strftime_now(): 2024-07-26 12:00:00 UTC.
export const FIXED_NOW = 1721995200;

export const env = {
  bin: process.env.FRUGAL_BIN,
  root: process.env.FRUGAL_ROOT ?? path.resolve(process.cwd(), "../.."),
  tmp: process.env.FRUGAL_TEST_TMP ?? "/tmp/frugal-test",
};

// Date with no arguments returns the fixed time, so HF's strftime_now() is reproducible.
function withFixedDate(fn) {
  const RealDate = globalThis.Date;
  class FixedDate extends RealDate {
    constructor(...args) {
      super(...(args.length ? args : [FIXED_NOW * 1000]));
    }
    static now() {
      return FIXED_NOW * 1000;
    }
  }
  globalThis.Date = FixedDate;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// Renders every job ({template, context}) with @huggingface/jinja: {ok, text} or {ok: false, error}.
export function renderHF(jobs) {
  process.env.TZ = "UTC";
  const cache = new Map();
  return jobs.map((job) =>
    withFixedDate(() => {
      try {
        let t = cache.get(job.template);
        if (!t) {
          t = new Template(job.template);
          cache.set(job.template, t);
        }
        return { ok: true, text: t.render(job.context) };
      } catch (e) {
        return { ok: false, error: String(e?.message ?? e) };
      }
    }),
  );
}

const PYTHON_RENDERER = String.raw`
import json, sys
from datetime import datetime, timezone
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.ext import loopcontrols

class Raised(Exception):
    pass

def raise_exception(message):
    raise Raised(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

now = int(sys.argv[1])
def strftime_now(fmt):
    return datetime.fromtimestamp(now, timezone.utc).strftime(fmt)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now
cache = {}
for line in sys.stdin:
    job = json.loads(line)
    try:
        t = cache.get(job["template"])
        if t is None:
            t = cache[job["template"]] = env.from_string(job["template"])
        rec = {"ok": True, "text": t.render(**job["context"])}
    except Raised as e:
        rec = {"ok": False, "raised": True, "error": str(e)}
    except Exception as e:
        rec = {"ok": False, "raised": False, "error": type(e).__name__ + ": " + str(e)}
    print(json.dumps(rec))
`;

// The Python interpreter that has Jinja2 (Debian's python3-jinja2), or null.
export function findPython() {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import jinja2"], { encoding: "utf8" });
    if (r.status === 0) return py;
  }
  return null;
}

// Renders every job with Python Jinja2 as transformers sets it up; null when unavailable.
export function renderPython(jobs) {
  const py = findPython();
  if (!py) return null;
  const input = jobs.map((j) => JSON.stringify({ template: j.template, context: j.context })).join("\n") + "\n";
  const r = spawnSync(py, ["-c", PYTHON_RENDERER, String(FIXED_NOW)], {
    input,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`python renderer failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

// Renders every job with `frugal template --batch`: {ok, text} or {ok: false, error}.
export function renderFrugal(jobs) {
  fs.mkdirSync(env.tmp, { recursive: true });
  const file = path.join(env.tmp, `template-jobs-${process.pid}.jsonl`);
  const lines = jobs.map((j) => {
    const { messages, tools, add_generation_prompt, enable_thinking, bos_token, eos_token, ...extra } = j.context;
    const job = { template: j.template, messages, add_generation_prompt, now: FIXED_NOW };
    if (tools !== undefined) job.tools = tools;
    if (enable_thinking !== undefined) job.enable_thinking = enable_thinking;
    if (bos_token !== undefined) job.bos_token = bos_token;
    if (eos_token !== undefined) job.eos_token = eos_token;
    delete extra.documents;
    if (Object.keys(extra).length) job.extra_context = extra;
    return JSON.stringify(job);
  });
  fs.writeFileSync(file, lines.join("\n") + "\n");
  const r = spawnSync(env.bin, ["template", "--batch", file], { encoding: "utf8", maxBuffer: 1 << 30 });
  fs.rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`frugal template --batch failed (${r.status}): ${r.stderr}`);
  const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  if (out.length !== jobs.length) throw new Error(`frugal answered ${out.length} of ${jobs.length} jobs`);
  return out;
}

// Verdict for one job. The reference is @huggingface/jinja; Python Jinja2 (what transformers runs)
// breaks ties where the two disagree, and renders what @huggingface/jinja cannot.
export function judge(hf, py, fr) {
  if (hf.ok && (!py || (py.ok && py.text === hf.text))) {
    return { kind: "identical", pass: fr.ok && fr.text === hf.text, want: hf.text };
  }
  if (hf.ok && py && py.ok) {
    return { kind: "hf≠python: matches python", pass: fr.ok && fr.text === py.text, want: py.text };
  }
  if (hf.ok && py && !py.ok) {
    if (py.raised) return { kind: "python raised, hf rendered: must error", pass: !fr.ok, want: "<error>" };
    // Python's error is the real behaviour; @huggingface/jinja's rendering is its leniency.
    return { kind: "python fails, hf renders: errors or matches hf", pass: !fr.ok || fr.text === hf.text, want: hf.text };
  }
  if (!py || !py.ok) return { kind: "both raise: must error", pass: !fr.ok, want: "<error>" };
  return { kind: "hf fails, python renders: matches python", pass: fr.ok && fr.text === py.text, want: py.text };
}

// Runs jobs through all three renderers, prints failures and a summary; returns the fail count
// (callers print the closing "N passed, M failed" line).
export function runOracle(title, jobs) {
  const t0 = Date.now();
  const hf = renderHF(jobs);
  const py = renderPython(jobs);
  if (!py) console.log("warning: Python Jinja2 unavailable; judging against @huggingface/jinja alone");
  const fr = renderFrugal(jobs);
  const kinds = new Map();
  let failed = 0;
  jobs.forEach((job, i) => {
    const v = judge(hf[i], py?.[i], fr[i]);
    const k = kinds.get(v.kind) ?? { n: 0, fail: 0 };
    k.n++;
    if (!v.pass) {
      k.fail++;
      failed++;
      if (failed <= 15) {
        console.log(`FAIL ${job.name} [${v.kind}]`);
        console.log(`  want: ${JSON.stringify(v.want).slice(0, 600)}`);
        console.log(`  got:  ${JSON.stringify(fr[i].ok ? fr[i].text : "<error> " + fr[i].error).slice(0, 600)}`);
        if (!hf[i].ok) console.log(`  hf error: ${hf[i].error}`);
        if (py?.[i] && !py[i].ok) console.log(`  python error: ${py[i].error}`);
      }
    }
    kinds.set(v.kind, k);
    if (process.env.TPL_VERBOSE && v.kind !== "identical") console.log(`  ${v.kind}: ${job.name}`);
  });
  const identical = jobs.filter((_, i) => hf[i].ok && fr[i].ok && fr[i].text === hf[i].text).length;
  console.log(`${title}: ${jobs.length} pairs checked in ${Date.now() - t0} ms; byte-identical to @huggingface/jinja: ${identical}`);
  for (const [kind, k] of kinds) console.log(`  ${kind}: ${k.n} (${k.n - k.fail} ok)`);
  return failed;
}
