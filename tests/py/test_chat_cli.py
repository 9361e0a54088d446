"""`frugal chat` end to end on the built-in model: multi-turn through a chat template, /reset,
KV-cache reuse across turns, and Ctrl-C (SIGINT) stopping a reply without ending the program.

The template is a ChatML file written here; the model's own text is Shakespeare, so only the
mechanics are checked: what was rendered (via `frugal template` on the same conversation), the
per-turn statistics line, and the process's survival of SIGINT.
"""
import json
import os
import signal
import subprocess
import sys
import time

BIN = os.environ.get("FRUGAL_BIN", "frugal")
TMP = os.path.join(os.environ.get("FRUGAL_TEST_TMP", "/tmp/frugal-test"), "chat_cli")
CHATML = ("{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def stats_lines(stderr):
    return [l for l in stderr.splitlines() if "prompt tokens" in l and "generated" in l]


def check_turns(tpl):
    inp = "Good morrow\nWhat news?\n/reset\nAgain\n/exit\n"
    r = subprocess.run([BIN, "chat", "--template", tpl, "-n", "12", "--temp", "0", "-t", "1"], input=inp,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    stats = stats_lines(r.stderr)
    assert len(stats) == 3, f"expected 3 replies, got {stats}"
    assert "(conversation reset)" in r.stdout, r.stdout
    cached = [int(s.split("(")[1].split()[0]) for s in stats]
    assert cached[0] == 0, stats
    assert cached[1] > 0, f"second turn should reuse the first turn's cache: {stats}"
    assert cached[2] == 0, f"after /reset nothing is cached: {stats}"
    # The first turn's prompt is exactly the template rendering of the first message.
    conv = os.path.join(TMP, "conv.json")
    with open(conv, "w") as f:
        json.dump([{"role": "user", "content": "Good morrow"}], f)
    rendered = subprocess.run([BIN, "template", "--template", tpl, "--messages", conv, "--add-generation-prompt"],
                              capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    ids = subprocess.run([BIN, "tokenize", "--no-bos", rendered.stdout], capture_output=True, text=True, timeout=60)
    n_prompt = len(ids.stdout.split())
    first = int(stats[0].split("[")[1].split()[0])
    assert first == n_prompt, f"first turn processed {first} tokens, the rendered prompt has {n_prompt}"
    print(f"PASS turns: {stats}")


def check_sigint(tpl):
    # A context far beyond what the model can fill in the time before the signal: the reply can
    # only end by the signal (end-of-text tokens are suppressed by --ignore-eog).
    p = subprocess.Popen([BIN, "chat", "--template", tpl, "-n", "-1", "-c", "8192", "--ignore-eog", "--temp", "1",
                          "-s", "1", "-t", "1"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdin.write("Speak at length\n")
    p.stdin.flush()
    time.sleep(1.0)
    p.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert p.poll() is None, "SIGINT ended the program"
    out, err = p.communicate("/exit\n", timeout=60)
    assert p.returncode == 0, f"rc {p.returncode}: {err}"
    stats = stats_lines(err)
    assert len(stats) == 1, err
    assert "[stopped]" in out, "the reply did not end by the signal"
    print(f"PASS sigint: reply stopped, program exited normally ({stats[0].strip()})")


def main():
    os.makedirs(TMP, exist_ok=True)
    tpl = os.path.join(TMP, "chatml.jinja")
    with open(tpl, "w") as f:
        f.write(CHATML)
    check_turns(tpl)
    check_sigint(tpl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
