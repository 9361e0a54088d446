"""GGUF v3 reader and writer in plain Python + numpy (frugal's own; no third-party gguf package).

Writer: GgufWriter().add("key", value, vtype=None); .tensor(name, array_or_bytes, ggml_type, shape)
Reader: read_gguf(path) -> (metadata dict, {name: (ggml_type, shape_ne, raw bytes)})
Shapes follow GGUF order: ne[0] is the contiguous (innermost) dimension, i.e. the reverse of numpy's shape.
"""
import struct

import numpy as np

F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1 = 0, 1, 2, 3, 6, 7, 8, 9
Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, BF16 = 10, 11, 12, 13, 14, 15, 30
IQ4_NL, IQ4_XS = 20, 23
TYPE_NAMES = {F32: "F32", F16: "F16", Q4_0: "Q4_0", Q4_1: "Q4_1", Q5_0: "Q5_0", Q5_1: "Q5_1", Q8_0: "Q8_0",
              Q2_K: "Q2_K", Q3_K: "Q3_K", Q4_K: "Q4_K", Q5_K: "Q5_K", Q6_K: "Q6_K", BF16: "BF16",
              IQ4_NL: "IQ4_NL", IQ4_XS: "IQ4_XS"}
# (values per block, bytes per block)
BLOCK = {F32: (1, 4), F16: (1, 2), BF16: (1, 2), Q4_0: (32, 18), Q4_1: (32, 20), Q5_0: (32, 22), Q5_1: (32, 24),
         Q8_0: (32, 34), Q2_K: (256, 84), Q3_K: (256, 110), Q4_K: (256, 144), Q5_K: (256, 176), Q6_K: (256, 210),
         IQ4_NL: (32, 18), IQ4_XS: (256, 136)}

U8, I8, U16, I16, U32, I32, VF32, BOOL, STRING, ARRAY, U64, I64, VF64 = range(13)
_SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", VF32: "<f", BOOL: "<?",
               U64: "<Q", I64: "<q", VF64: "<d"}


def _str(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _guess(v):
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int):
        return U32 if 0 <= v < 2**32 else I64
    if isinstance(v, float):
        return VF32
    if isinstance(v, (str, bytes)):
        return STRING
    raise TypeError(f"cannot infer GGUF type of {v!r}")


class GgufWriter:
    def __init__(self, alignment=32):
        self.kv = []
        self.tensors = []
        self.alignment = alignment

    def add(self, key, value, vtype=None, elem_type=None):
        """Scalar: vtype inferred unless given. List: ARRAY, elem_type inferred from the first item."""
        if isinstance(value, (list, tuple, np.ndarray)):
            if elem_type is None:
                elem_type = _guess(value[0]) if len(value) else I32
                if elem_type == U32 and any(isinstance(x, int) and x < 0 for x in value):
                    elem_type = I32
            self.kv.append((key, ARRAY, (elem_type, list(value))))
        else:
            self.kv.append((key, vtype if vtype is not None else _guess(value), value))

    def tensor(self, name, data, ggml_type=F32, ne=None):
        """data: numpy float array (F32/F16/BF16 converted here) or raw bytes of an already-encoded tensor.
        ne defaults to the reverse of the numpy shape."""
        if isinstance(data, np.ndarray):
            if ne is None:
                ne = list(reversed(data.shape))
            if ggml_type == F32:
                raw = np.ascontiguousarray(data, dtype="<f4").tobytes()
            elif ggml_type == F16:
                raw = np.ascontiguousarray(data, dtype="<f2").tobytes()
            elif ggml_type == BF16:
                u = np.ascontiguousarray(data, dtype="<f4").view("<u4")
                u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
                raw = u.tobytes()
            else:
                raise ValueError("quantized tensors must be passed as bytes (see frugalpy.quants)")
        else:
            raw = bytes(data)
            assert ne is not None, "ne is required for raw tensor bytes"
        blk, bb = BLOCK[ggml_type]
        n = int(np.prod(ne))
        assert ne[0] % blk == 0 and n // blk * bb == len(raw), f"{name}: {len(raw)} bytes do not match {ne}"
        self.tensors.append((name, [int(x) for x in ne], ggml_type, raw))

    def _value(self, t, v):
        if t == STRING:
            return _str(v)
        if t == ARRAY:
            et, items = v
            out = struct.pack("<IQ", et, len(items))
            if et == STRING:
                return out + b"".join(_str(s) for s in items)
            return out + b"".join(struct.pack(_SCALAR_FMT[et], x) for x in items)
        return struct.pack(_SCALAR_FMT[t], v)

    def to_bytes(self):
        a = self.alignment
        kv = list(self.kv)
        if a != 32:
            kv.insert(0, ("general.alignment", U32, a))
        out = bytearray(struct.pack("<IIQQ", 0x46554747, 3, len(self.tensors), len(kv)))
        for key, t, v in kv:
            out += _str(key) + struct.pack("<I", t) + self._value(t, v)
        off = 0
        for name, ne, t, raw in self.tensors:
            out += _str(name) + struct.pack("<I", len(ne)) + struct.pack(f"<{len(ne)}Q", *ne)
            out += struct.pack("<IQ", t, off)
            off += (len(raw) + a - 1) // a * a
        out += b"\0" * ((-len(out)) % a)
        for _, _, _, raw in self.tensors:
            out += raw
            out += b"\0" * ((-len(out)) % a)
        return bytes(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.to_bytes())


def read_gguf(path):
    """Returns (metadata: dict key -> python value, tensors: dict name -> (type, ne list, raw bytes))."""
    with open(path, "rb") as f:
        buf = f.read()
    pos = 0

    def rd(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def rstr():
        n = rd("<Q")
        nonlocal pos
        s = buf[pos:pos + n]
        pos += n
        return s.decode("utf-8", errors="surrogateescape")

    def rval(t):
        if t == STRING:
            return rstr()
        if t == ARRAY:
            et, n = rd("<I"), rd("<Q")
            return [rval(et) for _ in range(n)]
        return rd(_SCALAR_FMT[t])

    magic, version, n_t, n_kv = struct.unpack_from("<IIQQ", buf, 0)
    pos = 24
    assert magic == 0x46554747 and version in (2, 3)
    meta = {}
    for _ in range(n_kv):
        k = rstr()
        meta[k] = rval(rd("<I"))
    infos = []
    for _ in range(n_t):
        name = rstr()
        nd = rd("<I")
        ne = [rd("<Q") for _ in range(nd)]
        t, off = rd("<I"), rd("<Q")
        infos.append((name, ne, t, off))
    a = meta.get("general.alignment", 32)
    base = (pos + a - 1) // a * a
    tensors = {}
    for name, ne, t, off in infos:
        blk, bb = BLOCK[t]
        nbytes = int(np.prod(ne)) // blk * bb
        tensors[name] = (t, ne, buf[base + off: base + off + nbytes])
    return meta, tensors
