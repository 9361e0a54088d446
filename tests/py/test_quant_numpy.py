"""C++ quantization formats against the independent numpy oracle (tools/frugalpy/quants.py).

1. numpy decodes hand-built blocks to hand-computed values (pins the oracle's layouts).
2. `frugal quantize F32 -> TYPE`: tensor types follow the rules (1-D F32, fallbacks, --keep-f32),
   metadata is copied, and numpy's dequantization of the C++ blocks equals the C++ dequantization
   (`frugal quantize TYPE -> F32`) bit for bit and stays close to the original values.
3. numpy-quantized files are dequantized by C++ exactly as numpy does.
"""
import os
import subprocess
import sys
import unittest

import numpy as np

from frugalpy import gguf_io as g
from frugalpy import quants

BIN = os.environ.get("FRUGAL_BIN", "frugal")
TMP = os.environ.get("FRUGAL_TEST_TMP", "/tmp/frugal-test")
os.makedirs(TMP, exist_ok=True)

QTYPES = [g.Q4_0, g.Q4_1, g.Q5_0, g.Q5_1, g.Q8_0, g.Q2_K, g.Q3_K, g.Q4_K, g.Q5_K, g.Q6_K, g.IQ4_NL, g.IQ4_XS]
ALL = QTYPES + [g.F16, g.BF16, g.F32]
# Worst-case |error| relative to the block's max |x| for a well-behaved quantizer (loose).
REL = {g.Q4_0: 0.14, g.Q4_1: 0.08, g.Q5_0: 0.07, g.Q5_1: 0.04, g.Q8_0: 0.005, g.Q4_K: 0.15, g.Q5_K: 0.08,
       g.Q6_K: 0.05, g.Q2_K: 0.7, g.Q3_K: 0.3, g.IQ4_NL: 0.12, g.IQ4_XS: 0.15, g.F16: 1e-3, g.BF16: 4e-3, g.F32: 0}


def within_bound(x, y, t):
    """|y - x| <= REL[t] * max|x| over each block group (256 values for the K formats)."""
    group = 256 if t in (g.Q2_K, g.Q3_K, g.Q4_K, g.Q5_K, g.Q6_K, g.IQ4_XS) else 32 if x.shape[-1] % 32 == 0 else 8
    amax = np.abs(x.reshape(-1, group)).max(axis=1, keepdims=True)
    return bool(np.all(np.abs(y - x).reshape(-1, group) <= REL[t] * amax + 1e-7))


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"frugal {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p.stdout


def weights(rng, *shape):
    """Gaussian rows whose 32-blocks have very different magnitudes, a few zero blocks."""
    x = rng.standard_normal(shape).astype(np.float32)
    blocks = x.reshape(-1, 32)
    blocks *= (10.0 ** rng.uniform(-2, 1, size=(blocks.shape[0], 1))).astype(np.float32)
    blocks[::11] = 0
    return x


def model_file(path, rng):
    w = g.GgufWriter()
    w.add("general.architecture", "llama")
    w.add("general.name", "quant-test")
    w.add("llama.block_count", 1)
    w.add("tokenizer.ggml.tokens", ["a", "b", "c"])
    t = {
        "token_embd.weight": weights(rng, 16, 512),       # ne = [512, 16]
        "blk.0.attn_q.weight": weights(rng, 24, 768),
        "blk.0.ffn_down_exps.weight": weights(rng, 3, 8, 256),  # 3-D experts
        "blk.0.attn_norm.weight": weights(rng, 512),      # 1-D: stays F32
        "blk.0.odd.weight": weights(rng, 8, 96),          # 96 % 256 != 0: K types fall back
        "blk.0.tiny.weight": weights(rng, 4, 40),         # 40 % 32 != 0: F16 fallback
        "output.weight": weights(rng, 16, 512),
    }
    for name, arr in t.items():
        w.tensor(name, arr, g.F32)
    w.write(path)
    return t


def expected_type(name, arr, target, keep):
    if arr.ndim < 2 or name in keep:
        return g.F32
    blk = g.BLOCK[target][0]
    if arr.shape[-1] % blk == 0:
        return target
    nxt = {g.Q2_K: g.Q4_0, g.Q3_K: g.Q4_0, g.IQ4_XS: g.IQ4_NL, g.Q4_K: g.Q5_0, g.Q5_K: g.Q5_1, g.Q6_K: g.Q8_0}.get(target, g.F16)
    return expected_type(name, arr, nxt, keep)


class HandBuiltBlocks(unittest.TestCase):
    def test_q4_0(self):
        raw = np.float16(0.5).tobytes() + bytes(j | (15 - j) << 4 for j in range(16))
        x = quants.dequantize(raw, g.Q4_0, [32])
        np.testing.assert_array_equal(x[:16], 0.5 * (np.arange(16) - 8))
        np.testing.assert_array_equal(x[16:], 0.5 * (7 - np.arange(16)))

    def test_q5_0(self):
        raw = np.float16(1).tobytes() + bytes([0x01, 0x00, 0x02, 0x80]) + bytes(j | j << 4 for j in range(16))
        x = quants.dequantize(raw, g.Q5_0, [32])
        self.assertEqual((x[0], x[1], x[16], x[17], x[30], x[31]), (0, -15, -16, 1, -2, 15))

    def test_q4_k(self):
        scales = bytes([0x41, 0x02, 0x83, 0xC4, 0x05, 0x46, 0x07, 0xC8, 0x21, 0x43, 0x65, 0x87])
        qs = bytes(((4 * c + l % 4) | (15 - c) << 4) for c in range(4) for l in range(32))
        raw = np.float16(1).tobytes() + np.float16(0.5).tobytes() + scales + qs
        x = quants.dequantize(raw, g.Q4_K, [256])
        self.assertEqual((x[0], x[33], x[130], x[255]), (-2.5, 27.0, 169.0, 632.0))

    def test_q5_k(self):
        scales = bytes([0x41, 0x02, 0x83, 0xC4, 0x05, 0x46, 0x07, 0xC8, 0x21, 0x43, 0x65, 0x87])
        qh = bytes((l * 8 + 1) & 0xFF for l in range(32))
        qs = bytes((i % 16) | (i // 16) << 4 for i in range(128))
        raw = np.float16(0.5).tobytes() + np.float16(1).tobytes() + scales + qh + qs
        x = quants.dequantize(raw, g.Q5_K, [256])
        self.assertEqual((x[0], x[32], x[65], x[99]), (3.0, -6.0, -5.5, 28.0))

    def test_q6_k(self):
        raw = bytes(range(128)) + bytes([0xE4] * 64) + np.arange(-8, 8, dtype=np.int8).tobytes()
        raw += np.float16(0.5).tobytes()
        x = quants.dequantize(raw, g.Q6_K, [256])
        self.assertEqual((x[0], x[200]), (128.0, 8.0))

    def test_q2_k(self):
        # Sub-block i: scale i % 16 (low nibble), min i // 2 (high nibble); code of element 128h + 32k + l
        # = bits 2k of qs[32h + l], here (l + k) % 4.
        scales = bytes((i % 16) | (i // 2) << 4 for i in range(16))
        qs = bytes(sum(((l + k) % 4) << (2 * k) for k in range(4)) for h in range(2) for l in range(32))
        raw = scales + qs + np.float16(0.5).tobytes() + np.float16(0.25).tobytes()
        x = quants.dequantize(raw, g.Q2_K, [256])
        # e = 0: sub-block 0 (sc 0, m 0), code 0; e = 37: sub-block 2 (sc 2, m 1), k 1, l 5: code 2;
        # e = 255: sub-block 15 (sc 15, m 7), k 3, l 31: code 2.
        self.assertEqual((x[0], x[37], x[255]), (0.0, 0.5 * 2 * 2 - 0.25, 0.5 * 15 * 2 - 0.25 * 7))

    def test_q3_k(self):
        # Scale 12 (0b001100): low nibble 12 in the high nibble of byte 4, top bits 0 in byte 8 bits 6-7;
        # scale 1 (0b110001 = 49 - 32 = 17): low 1 in byte 1, top 0b11 at bits 0-1 of byte 9.
        s = bytearray(12)
        for i in range(16):
            u = 32 + (17 if i == 1 else -20 if i == 12 else 0)
            s[i % 8] |= (u & 0xF) << (0 if i < 8 else 4)
            s[8 + i % 4] |= (u >> 4) << (2 * (i // 4))
        hmask = bytes([0b00010001] * 32)  # bit 2 of the codes of k = 0 in both halves
        qs = bytes([0b11100100] * 64)     # low bits: k -> k
        raw = hmask + qs + bytes(s) + np.float16(0.5).tobytes()
        x = quants.dequantize(raw, g.Q3_K, [256])
        # e = 16: sub-block 1 (17), k 0 with bit 2: code 4 + 0 - 4 = 0; e = 48: sub-block 3 (0);
        # e = 200: h 1, k 2, sub-block 12 (-20), code 2 - 4 = -2; e = 130: h 1, k 0, code 0 + 4 - 4.
        self.assertEqual((x[16], x[40], x[200], x[130]), (0.0, 0.0, 0.5 * -20 * -2, 0.0))
        x2 = quants.dequantize(hmask + bytes([0b11100101] * 64) + bytes(s) + np.float16(0.5).tobytes(), g.Q3_K,
                               [256])
        self.assertEqual((x2[16], x2[32 + 16]), (0.5 * 17 * 1, 0.5 * 0 * -3))

    def test_iq4_nl(self):
        raw = np.float16(-0.5).tobytes() + bytes(j | (15 - j) << 4 for j in range(16))
        x = quants.dequantize(raw, g.IQ4_NL, [32])
        np.testing.assert_array_equal(x[:16], -0.5 * quants.IQ4_GRID)
        np.testing.assert_array_equal(x[16:], -0.5 * quants.IQ4_GRID[::-1])
        self.assertEqual((x[0], x[15]), (63.5, -56.5))

    def test_iq4_xs(self):
        ls = [0, 63, 32, 33, 17, 48, 31, 40]
        high = sum((v >> 4) << (2 * j) for j, v in enumerate(ls))
        low = bytes((ls[2 * i] & 15) | (ls[2 * i + 1] & 15) << 4 for i in range(4))
        qs = bytes((i % 16) | ((i + 3) % 16) << 4 for i in range(128))
        raw = np.float16(0.5).tobytes() + np.uint16(high).tobytes() + low + qs
        x = quants.dequantize(raw, g.IQ4_XS, [256])
        # Sub-block 1 (ls 63): its element 17 is the high nibble of qs[17], (17 + 3) % 16 = 4: grid -49.
        self.assertEqual((x[49], x[0], x[64]), (0.5 * 31 * -49, 0.5 * -32 * -127, 0.0))

    def test_numpy_round_trip(self):
        rng = np.random.default_rng(3)
        x = weights(rng, 4, 512)
        for t in ALL:
            y = quants.dequantize(quants.quantize(x, t), t, [512, 4])
            self.assertTrue(within_bound(x, y, t), g.TYPE_NAMES[t])


class CppAgainstNumpy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rng = np.random.default_rng(11)
        cls.src = os.path.join(TMP, "quant_src.gguf")
        cls.arrays = model_file(cls.src, cls.rng)

    def check_against_cpp(self, qpath, what):
        """numpy-dequantized tensors of qpath == C++ dequantization (frugal quantize qpath F32)."""
        dpath = qpath + ".f32.gguf"
        run("quantize", "-q", qpath, dpath, "F32")
        _, qt = g.read_gguf(qpath)
        _, dt = g.read_gguf(dpath)
        for name, (t, ne, raw) in qt.items():
            dtype, dne, draw = dt[name]
            self.assertEqual((dtype, dne), (g.F32, ne), name)
            ours = quants.dequantize(raw, t, ne)
            cpp = quants.dequantize(draw, g.F32, dne)
            np.testing.assert_array_equal(ours, cpp, err_msg=f"{what} {name} ({g.TYPE_NAMES[t]})")
        return qt

    def test_cpp_quantize_types_and_values(self):
        for target in ALL:
            with self.subTest(type=g.TYPE_NAMES[target]):
                keep = {"output.weight"}
                qpath = os.path.join(TMP, f"quant_{g.TYPE_NAMES[target]}.gguf")
                run("quantize", "-q", "--keep-f32", "output.w*ght", self.src, qpath, g.TYPE_NAMES[target])
                meta, _ = g.read_gguf(qpath)
                self.assertEqual(meta["general.name"], "quant-test")
                self.assertEqual(meta["tokenizer.ggml.tokens"], ["a", "b", "c"])
                qt = self.check_against_cpp(qpath, "C++ quantized")
                for name, arr in self.arrays.items():
                    t, ne, raw = qt[name]
                    self.assertEqual(ne, list(reversed(arr.shape)), name)
                    self.assertEqual(t, expected_type(name, arr, target, keep), name)
                    y = quants.dequantize(raw, t, ne)
                    self.assertTrue(within_bound(arr, y, t), f"{name} {g.TYPE_NAMES[t]}")

    def test_numpy_quantized_files_decode_in_cpp(self):
        rng = np.random.default_rng(5)
        for t in QTYPES + [g.F16, g.BF16]:
            with self.subTest(type=g.TYPE_NAMES[t]):
                w = g.GgufWriter()
                w.add("general.architecture", "llama")
                arr = weights(rng, 6, 512)
                w.tensor("w", quants.quantize(arr, t), t, [512, 6])
                # Extreme scales: a block of large values next to a block of tiny ones.
                ext = np.concatenate([weights(rng, 2, 256) * 1000, weights(rng, 2, 256) * 1e-5], axis=1)
                w.tensor("ext", quants.quantize(ext, t), t, [512, 2])
                path = os.path.join(TMP, f"np_{g.TYPE_NAMES[t]}.gguf")
                w.write(path)
                self.check_against_cpp(path, "numpy quantized")

    def test_bad_target_type_is_an_error(self):
        p = subprocess.run([BIN, "quantize", self.src, os.path.join(TMP, "x.gguf"), "Q8_K"], capture_output=True,
                           text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Q8_K", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]])
