// frugal's tokenizers vs Hugging Face (transformers.js port @lenml/tokenizers) on the whole corpus:
// identical ids with and without special-token parsing, BOS rules, identical decoded text.
import { ROOT, convert, loadHf, readCorpus, runFrugal, sameIds, rng } from "./tok_oracle.mjs";

// Expected BOS with add_special: what Python transformers adds (the JS port follows the
// post-processor, which for these copies of deepseek_v3 / llama3 omits the BOS the model uses).
const CASES = [
  { name: "qwen3", bos: null },        // Qwen2Tokenizer: no BOS
  { name: "deepseek_v3", bos: 0 },     // tokenizer_config add_bos_token = true
  { name: "llama3", bos: 128000 },     // <|begin_of_text|>, as Meta's TemplateProcessing and llama.cpp add it
  { name: "gptoss", bos: null },       // harmony: the chat template writes every special token
  { name: "llama2", bos: 1, jsBos: true },  // TemplateProcessing <s>: checked against the JS port too
  // The same vocabulary without merges, as llama.cpp converts SentencePiece models: merges by score.
  { name: "llama2", bos: 1, jsBos: true, scoresOnly: true },
];

// Hugging Face's Rust tokenizers (Oniguruma) treat U+0085 as \s and U+FEFF as not; JavaScript's
// regex engine does the opposite. frugal follows the Rust library; such strings are compared in
// the C++ unit tests instead; here a mismatch on such a string is counted (js_regex_differs), not failed.
const JS_REGEX_DIFFERS = /[\u0085\ufeff]/u;

const failures = [];
// The JS port refuses to decode an empty list; Hugging Face returns "".
const hfDecode = (hf, ids, opts) => (ids.length ? hf.decode(ids, opts) : "");
function check(tag, ok, detail) {
  if (ok) return true;
  failures.push({ tag, ...detail });
  return false;
}

function byteTokenIds(hf, name) {
  const ids = [];
  for (let b = 0; b < 256; ++b) {
    let t;
    if (name === "llama2") {
      t = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
    } else {
      const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
      t = String.fromCodePoint(printable ? b : 256 + [...Array(b).keys()].filter((x) =>
        !((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || (x >= 0xae && x <= 0xff))).length);
    }
    const id = hf.model.tokens_to_ids.get(t);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

// Random id sequences (bytes, specials, anything) to test decode on its own.
function randomSequences(hf, name, count) {
  const r = rng(1234 + name.length);
  const bytes = byteTokenIds(hf, name);
  const specials = hf.all_special_ids;
  const n = hf.model.vocab.length;
  const seqs = [];
  for (let i = 0; i < count; ++i) {
    const len = 1 + Math.floor(r() * 12);
    const seq = [];
    for (let k = 0; k < len; ++k) {
      const p = r();
      const pool = p < 0.35 ? bytes : p < 0.45 && specials.length ? specials : null;
      seq.push(pool ? pool[Math.floor(r() * pool.length)] : Math.floor(r() * n));
    }
    seqs.push(seq.filter((id) => hf.model.vocab[id] !== undefined));
  }
  return seqs.filter((s) => s.length > 0);
}

const corpus = readCorpus();
const summary = [];
for (const c of CASES) {
  const gguf = convert(c.name, { scoresOnly: c.scoresOnly });
  const hf = loadHf(c.name);
  const hfRaw = loadHf(c.name, { noSpecial: true });
  const withSpecial = runFrugal(gguf, corpus, ["--no-bos"]);
  const noSpecial = runFrugal(gguf, corpus, ["--no-bos", "--no-parse-special"]);
  const withBos = runFrugal(gguf, corpus, []);
  const s = { tokenizer: c.name + (c.scoresOnly ? " (scores)" : ""), strings: corpus.length, js_regex_differs: 0,
    ids: 0, ids_raw: 0, bos: 0, decode: 0, stream: 0 };
  corpus.forEach((text, i) => {
    const ours = withSpecial[i];
    const jsDiffers = c.name !== "llama2" && JS_REGEX_DIFFERS.test(text);
    const ref = hf.encode(text, { add_special_tokens: false });
    const refRaw = hfRaw.encode(text, { add_special_tokens: false });
    if (jsDiffers && (!sameIds(ours.ids, ref) || !sameIds(noSpecial[i].ids, refRaw))) {
      s.js_regex_differs++;
    } else {
      if (!check(`${s.tokenizer} ids`, sameIds(ours.ids, ref), { text, ours: ours.ids, hf: ref })) s.ids++;
      if (!check(`${s.tokenizer} ids (no special parsing)`, sameIds(noSpecial[i].ids, refRaw),
        { text, ours: noSpecial[i].ids, hf: refRaw })) s.ids_raw++;
    }
    const expected = (c.bos === null ? [] : [c.bos]).concat(ours.ids);
    let bosOk = sameIds(withBos[i].ids, expected);
    if (c.jsBos) bosOk = bosOk && sameIds(withBos[i].ids, hf.encode(text));
    if (!check(`${s.tokenizer} add_special`, bosOk, { text, ours: withBos[i].ids, expected })) s.bos++;
    const dec = hfDecode(hf, ours.ids, {});
    const decSkip = hfDecode(hf, ours.ids, { skip_special_tokens: true });
    if (!check(`${s.tokenizer} decode`, ours.decoded === dec && ours.decoded_skip === decSkip,
      { ids: ours.ids, ours: [ours.decoded, ours.decoded_skip], hf: [dec, decSkip] })) s.decode++;
    if (!check(`${s.tokenizer} stream`, ours.streamed === ours.decoded, { ids: ours.ids, ours: ours.streamed, decoded: ours.decoded })) s.stream++;
  });
  // Decode on its own: random id sequences, including byte tokens that split UTF-8 sequences.
  const seqs = randomSequences(hf, c.name, 500);
  const decoded = runFrugal(gguf, seqs.map((ids) => ({ ids })));
  s.random_decodes = seqs.length;
  seqs.forEach((ids, i) => {
    const dec = hfDecode(hf, ids, {});
    const decSkip = hfDecode(hf, ids, { skip_special_tokens: true });
    const o = decoded[i];
    if (!check(`${s.tokenizer} decode (random ids)`, o.decoded === dec && o.decoded_skip === decSkip,
      { ids, ours: [o.decoded, o.decoded_skip], hf: [dec, decSkip] })) s.decode++;
    if (!check(`${s.tokenizer} stream (random ids)`, o.streamed === o.decoded, { ids, ours: o.streamed, decoded: o.decoded })) s.stream++;
  });
  summary.push(s);
}

console.log(`corpus: ${corpus.length} strings (${ROOT}/tests/data/tokenizer/corpus.jsonl)`);
console.table(summary);
if (failures.length > 0) {
  console.log(`${failures.length} mismatches; first ones:`);
  for (const f of failures.slice(0, 25)) console.log(JSON.stringify(f));
  process.exit(1);
}
console.log("all tokenizers match Hugging Face");
