#!/usr/bin/env python3
"""Writes corpus.jsonl: the tokenizer test corpus (one JSON string per line), deterministic.

Categories: English prose, many scripts, code, numbers, whitespace, emoji, combining marks,
contractions, text around special tokens, punctuation, long strings and seeded random mixes.
Ill-formed UTF-8 cannot live in JSON; it is covered by the C++ unit tests.
usage: make_corpus.py [--shakespeare PATH] [-o corpus.jsonl]
"""
import argparse
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello world", " Hello world", "Hello World", " Hello World!", "Hello, world!", "hello, WORLD!!",
    "It was the best of times, it was the worst of times.",
    "Tokenizers split text into pieces; models see only the pieces.",
    "She sells sea-shells by the sea-shore (allegedly).",
    "Mr. Smith paid $3.50 for 2 coffees at 9:45 a.m. on Jan. 3rd, 2024.",
    "E-mail me at john.doe+test@example.com or visit https://example.org/path?q=1&r=2#frag.",
    "The U.S.A. and the U.K. signed the treaty in 1945.",
    "Self-driving cars -- a promise, or a threat?",
    "\"Quoted text,\" she said, 'and single quotes too.'",
    "Well... I guess so!?",
    "A sentence with trailing spaces   ",
    "   A sentence with leading spaces",
    "ALL CAPS SENTENCE WITH NUMBERS 123 AND SYMBOLS #@!",
    "camelCaseIdentifier and snake_case_identifier and kebab-case-identifier",
    "HTTPServerError XMLHttpRequest iPhone eBay McDonald's O'Neill",
    "Hello .", "Hello , world .", "Is it ? Yes !", "a ' b", "do n't", "I 'm here", "it 's", "we 've", "you 're",
    "state-of-the-art, e.g., i.e., etc.",
    "The café's crème brûlée was très bon; naïve coöperation.",
    "Größe, Straße, Übermaß and Ärger.",
    "¿Dónde está la biblioteca? ¡Allí!",
    "Ça va? Oui, ça va très bien.",
]

SCRIPTS = [
    "你好，世界！", "我爱自然语言处理。", "今天天气很好，我们去公园散步吧。", "机器学习模型需要大量的数据进行训练。",
    "中文文本中没有空格分隔单词", "繁體中文與簡體中文", "龥龢龣 rare characters 𠀀𠀁",
    "こんにちは、世界！", "日本語のテキストを処理します。", "カタカナとひらがなと漢字が混ざっています。", "東京は日本の首都です。",
    "ｶﾀｶﾅ half-width katakana", "ラーメン、寿司、天ぷら。",
    "안녕하세요, 세계!", "한국어 텍스트를 처리합니다.", "서울은 한국의 수도입니다.", "ㄱㄴㄷㄹ 자모",
    "مرحبا بالعالم!", "اللغة العربية جميلة جداً.", "القاهرة هي عاصمة مصر، والرياض عاصمة السعودية.", "١٢٣٤٥٦٧٨٩٠ أرقام",
    "नमस्ते दुनिया!", "हिन्दी भाषा भारत में बोली जाती है।", "क्षत्रिय श्री ज्ञान", "संख्या ४५६७",
    "Привет, мир!", "Русский язык очень богатый.", "Москва — столица России.", "ЁЛКИ-ПАЛКИ, ёжик",
    "Γειά σου Κόσμε!", "Η ελληνική γλώσσα.", "שלום עולם!", "עברית נכתבת מימין לשמאל.",
    "สวัสดีชาวโลก", "ภาษาไทยไม่มีช่องว่างระหว่างคำ", "Xin chào thế giới!", "Tiếng Việt có nhiều dấu thanh.",
    "Merhaba dünya! İstanbul, Iğdır, ılık.", "Witaj świecie! Zażółć gęślą jaźń.", "Ahoj světe! Příliš žluťoučký kůň.",
    "Բարեւ աշխարհ", "გამარჯობა მსოფლიო", "ሰላም ዓለም", "வணக்கம் உலகம்", "ಹಲೋ ವರ್ಲ್ಡ್", "ສະບາຍດີ", "မင်္ဂလာပါ",
    "Hello 世界 مرحبا мир 🌍", "日本語 English 한국어 mixed",
]

CODE = [
    "def hello(name: str) -> str:\n    return f\"Hello, {name}!\"\n",
    "import numpy as np\n\nx = np.zeros((3, 4), dtype=np.float32)\nprint(x.shape)\n",
    "class Foo(Bar):\n\tdef __init__(self):\n\t\tsuper().__init__()\n\t\tself.x = [1, 2, 3]\n",
    "for i in range(10):\n    if i % 2 == 0:\n        continue\n    print(i ** 2)\n",
    "#include <iostream>\n\nint main() {\n    std::cout << \"Hello, world!\" << std::endl;\n    return 0;\n}\n",
    "template <typename T>\nconstexpr T clamp(T v, T lo, T hi) { return v < lo ? lo : (v > hi ? hi : v); }",
    "std::vector<std::unique_ptr<Node>> nodes; nodes.emplace_back(std::make_unique<Node>(42));",
    "const add = (a, b) => a + b;\nconsole.log(`sum: ${add(1, 2)}`);\n",
    "async function fetchData(url) {\n  const res = await fetch(url);\n  return res.json();\n}",
    "document.querySelectorAll('.item').forEach(el => el.classList.toggle('active'));",
    "fn main() {\n    let v: Vec<i32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n",
    "impl<'a> Iterator for Tokens<'a> {\n    type Item = &'a str;\n    fn next(&mut self) -> Option<Self::Item> { None }\n}",
    "SELECT u.id, u.name, COUNT(o.id) AS orders\nFROM users u\nLEFT JOIN orders o ON o.user_id = u.id\nWHERE u.created_at >= '2024-01-01'\nGROUP BY u.id, u.name\nORDER BY orders DESC;",
    "INSERT INTO t (a, b) VALUES (1, 'it''s'), (2, NULL);",
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Test</title></head>\n<body>\n  <div class=\"x\">Hi &amp; bye</div>\n</body>\n</html>",
    "<a href=\"https://example.com/a/b/c\">link</a><br/><img src='x.png' alt=\"\"/>",
    "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
    "#!/bin/bash\nset -euo pipefail\nfor f in *.txt; do\n  echo \"$f\" | tr 'a-z' 'A-Z' > \"${f%.txt}.out\"\ndone\n",
    "{\"key\": [1, 2.5, -3e10, true, null], \"nested\": {\"a\": \"b\"}}",
    "x+=1;y-=2;z*=3;w/=4;a<<=1;b>>=2;c&&=d;e||=f;g??=h;",
    "if (a != b && c <= d || e >= f) { return !x; }",
    "/* block comment */ // line comment\n# python comment\n-- sql comment",
    "    \n        \n            deeply indented\n",
    "\\documentclass{article}\n\\begin{equation} E = mc^2 \\end{equation}",
    "$$\\int_0^\\infty e^{-x^2} dx = \\frac{\\sqrt{\\pi}}{2}$$",
    "| col1 | col2 |\n|------|------|\n| a    | b    |\n",
    "```python\nprint('hi')\n```",
    "path/to/some/file.txt C:\\Windows\\System32\\drivers\\etc\\hosts ../../up/two //double//slash/",
]

SPECIALS = [
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
    "<|start_header_id|>", "<|end_header_id|>", "<|reserved_special_token_5|>", "<s>", "</s>", "<unk>",
    "<think>", "</think>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>",
    "<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|return|>", "<|startoftext|>", "<|vision_pad|>",
]

SPECIAL_TEXTS = [
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi there!<|im_end|>\n<|im_start|>assistant\n",
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    "<s>[INST] What is 2+2? [/INST] 4</s>", "<s> leading space after bos", "text</s>more", "<unk>unknown<unk>",
    "<think>\nLet me think.\n</think>\n\nThe answer is 42.", "<tool_call>\n{\"name\": \"f\"}\n</tool_call>",
    "<｜begin▁of▁sentence｜><｜User｜>Hello<｜Assistant｜>Hi!<｜end▁of▁sentence｜>",
    "<|start|>user<|message|>hi<|end|><|start|>assistant<|channel|>final<|message|>hello<|return|>",
    "<|im_start", "<|im_start|", "im_start|>", "<<|im_end|>>", "<|im_end|><|im_start|>", " <|im_start|> user ",
    "<|endoftext|><|endoftext|>", "a<|endoftext|>b", "<|endoftext|>\n\n", "\n\n<|endoftext|>", "< |im_start| >",
    "<|IM_START|>", "<s><s></s></s>", "<ss>", "</ss>", "<s >", "<|eot_id|>.", "x<think>y</think>z",
]

WHITESPACE = [
    "", " ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\t\n", "\r\n", "\r\n\r\n", "\r", "\r\r\n",
    " \n", "\n ", " \n ", "  \n  \n", "a\n\nb", "a \n b", "a  b   c    d", "a\tb\t\tc", "end with newline\n",
    "end with spaces   ", "   ", "\n\n\n\n\n\n\n\n\n\n", " " * 17, "\t" * 9, "x" + " " * 33 + "y",
    "\u00a0non-breaking\u00a0space", "ideographic\u3000space", "thin\u2009space", "\u200bzero\u200bwidth", "\x0b\x0c vt ff",
    "line\u2028separator\u2029para", "tab\tthen  spaces\n\tindent", "\u2003em space", " \u00a0 mixed \u3000 ",
    "\u0085next line", "\ufeffbyte order mark", "a\u0085b", "x\ufeff",
]

EMOJI = [
    "👍", "👍🏽", "👍🏿 thumbs", "👨‍👩‍👧‍👦 family", "👩🏽‍💻 coder", "🏳️‍🌈 flag", "🇺🇸🇯🇵🇫🇷", "1️⃣2️⃣3️⃣", "❤️❤", "✨🎉🔥💯",
    "I ❤️ NY", "emoji😀inside😃words", "😀😁😂🤣😃😄😅😆", "🧑‍🤝‍🧑", "🐈‍⬛", "☺︎ text style", "©®™", "🀄🃏", "𝕳𝖊𝖑𝖑𝖔",
    "🙂 " * 5, "🤖: beep boop 🤖",
]

COMBINING = [
    "e\u0301", "cafe\u0301", "A\u030a", "\u212b", "\u2126", "\u212a", "n\u0303o", "\u1100\u1161\u11a8",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034dA\u036b\u0357\u0334",
    "Ti\u1ebfng Vi\u1ec7t", "o\u0308\u0304", "\u0915\u094d\u0937", "\u00e9 vs e\u0301", "\u1e9b\u0323",
    "\uf900\uf901 compat ideographs", "\u0041\u0301\u0302\u0303", "\u0301 leading combining", "x\u20dd",
]

CONTRACTIONS = [
    "it's", "IT'S", "It'S", "they're", "THEY'RE", "we've", "I'm", "I'M", "you'll", "YOU'LL", "You'Ll", "he'd",
    "don't", "DON'T", "can't", "won't", "y'all", "rock 'n' roll", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
    "''", "'''", "''''s", "'s's", "James' book", "the '90s", "'Tis", "o'clock", "it’s curly", "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL",
    "'LL 'S 'T", "x'sy", "1's 2'm", "ſ'ſ", "'ſ",
]

PUNCT = [
    "......", "!!!!!!", "??????", "?!?!", "---", "===", "```", "\"\"\"", "'''", "«guillemets»", "„German“", "‘curly’ “double”",
    "…", "—–-", "(parens) [brackets] {braces} <angles>", "@#$%^&*", "~`|\\", "a/b/c", "a//b", "http://x.y/z/",
    "x/\ny", "end./\n\n", "$100", "€50", "£30", "¥1000", "₹500", "100%", "3×4÷2±1≠0≤≥", "∑∏∫√∞", "→←↑↓⇒", "•◦▪",
    "!!!\n\n", "...\r\n", "?\n", "x!\ny", ":)", ";-)", "^_^", "¯\\_(ツ)_/¯", "(╯°□°）╯︵ ┻━┻",
]


def numbers(rng):
    out = []
    for n in range(1, 21):
        for _ in range(3):
            out.append("".join(rng.choice("0123456789") for _ in range(n)))
        out.append("x" + "7" * n + "y")
        out.append(" " + "".join(rng.choice("0123456789") for _ in range(n)))
    out += ["0", "00", "007", "3.14159", "-2.5", "+42", "1e10", "6.022e23", "1,234", "1,234,567", "12,345,678,901",
            "1.234.567,89", "1 234 567", "1_000_000", "0x1F", "0xDEADBEEF", "0b1011", "0o777", "10%", "50.5%",
            "2024-01-31", "12:34:56", "+1 (555) 123-4567", "192.168.0.1", "v1.2.3", "3/4", "1/2/3/4", "½ ¼ ¾",
            "²³¹", "①②③", "Ⅻ", "١٢٣", "४५६", "１２３４５", "𝟙𝟚𝟛", "abc123def456", "a1b2c3", "123abc", "abc123",
            "12 34 56", "1.2.3.4.5", "...123...", "999999999999999999999", "3..3", "3...3", "33..333...3333",
            "4 ½ months", "ied 4 ½ months", "-1-2-3", "(123)", "[456]", "#789", "1st 2nd 3rd 4th"]
    return out


def random_mixes(rng, pools, count):
    out = []
    for _ in range(count):
        parts = [rng.choice(rng.choice(pools)) for _ in range(rng.randint(2, 5))]
        seps = ["", " ", "\n", "  ", "\t", " \n"]
        s = parts[0]
        for p in parts[1:]:
            s += rng.choice(seps) + p
        out.append(s)
    return out


def shakespeare(path, rng, count):
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for _ in range(count):
        start = rng.randrange(0, len(text) - 400)
        out.append(text[start:start + rng.randint(20, 400)])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shakespeare", default=os.path.join(HERE, "../../../../shared/data/tinyshakespeare.txt"))
    ap.add_argument("-o", "--output", default=os.path.join(HERE, "corpus.jsonl"))
    args = ap.parse_args()
    rng = random.Random(20240531)
    items = PROSE + SCRIPTS + CODE + SPECIALS + SPECIAL_TEXTS + WHITESPACE + EMOJI + COMBINING + CONTRACTIONS + PUNCT
    items += numbers(rng)
    items += shakespeare(args.shakespeare, rng, 150)
    pools = [PROSE, SCRIPTS, CODE, SPECIALS, WHITESPACE, EMOJI, COMBINING, CONTRACTIONS, PUNCT, numbers(rng)]
    items += random_mixes(rng, pools, 600)
    long_para = " ".join(PROSE[:12])
    items += [long_para * 8, "".join(SCRIPTS) * 3, "\n".join(CODE), "9" * 300, " " * 500, "\n" * 200, "a" * 1000,
              "ab " * 400, "😀" * 200, "<|im_start|>" * 50]
    seen, uniq = set(), []
    for s in items:
        if s not in seen:
            seen.add(s)
            uniq.append(s)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        for s in uniq:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    print(f"{len(uniq)} strings -> {args.output}")


if __name__ == "__main__":
    main()
