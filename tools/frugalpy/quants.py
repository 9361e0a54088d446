"""numpy oracle for the ggml tensor formats, written from the GGUF/ggml block specification.

dequantize(raw_bytes, ggml_type, ne) -> float32 array shaped reversed(ne)
quantize(array_f32, ggml_type) -> bytes (rows along the last numpy axis, i.e. GGUF ne[0])

Formats: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS.
Block layouts
(little-endian, fp16 scales):
  Q4_0 [d][qs 16]            x = d * (q - 8); qs[j] low nibble = element j, high = j + 16
  Q4_1 [d][m][qs 16]         x = d * q + m
  Q5_0 [d][qh u32][qs 16]    q |= bit j of qh << 4 for element j; x = d * (q - 16)
  Q5_1 [d][m][qh u32][qs 16] x = d * q + m
  Q8_0 [d][qs int8 32]       x = d * q
  Q4_K [d][dmin][scales 12][qs 128]          8 sub-blocks of 32 with 6-bit scale/min:
        x = d * sc_j * q - dmin * m_j; qs[32c + l] low nibble = element 64c + l, high = 64c + 32 + l
  Q5_K [d][dmin][scales 12][qh 32][qs 128]   bit j of qh[l] is bit 4 of element 32j + l
  Q6_K [ql 128][qh 64][scales int8 16][d]    16 sub-blocks of 16: x = d * sc_i * (q - 32)
  Q2_K [scales 16][qs 64][d][dmin]           16 sub-blocks of 16: x = d * (s_i & 15) * q - dmin * (s_i >> 4);
        bits 2k..2k+1 of qs[32h + l] = code of element 128h + 32k + l
  Q3_K [hmask 32][qs 64][scales 12][d]       x = d * (sc_i - 32) * (q - 4), low code bits as Q2_K, bit
        4h + k of hmask[l] = bit 2 of element 128h + 32k + l; sc_i: low nibble of byte i (i < 8) or high
        nibble of byte i - 8, top two bits at bits 2 (i // 4) of byte 8 + i % 4
  IQ4_NL [d][qs 16]          x = d * GRID[q], nibbles as Q4_0; GRID = IQ4_GRID below (non-linear)
  IQ4_XS [d][scales_h u16][scales_l 4][qs 128]   8 sub-blocks of 32: x = d * (ls_j - 32) * GRID[q], ls_j =
        nibble j % 2 of scales_l[j // 2] | bits 2j..2j+1 of scales_h << 4; sub-block j's nibbles at qs[16j]
Dequantization evaluates in float32 in the same order as the reference C++ (bit-exact).
"""
import numpy as np

from .gguf_io import BF16, BLOCK, F16, F32, IQ4_NL, IQ4_XS, Q2_K, Q3_K, Q4_0, Q4_1, Q4_K, Q5_0, Q5_1, Q5_K, Q6_K, Q8_0

f32 = np.float32


def _half(a):
    """(nb, 2) uint8 -> (nb, 1) float32 from little-endian fp16."""
    return np.ascontiguousarray(a).view("<f2").astype(f32)


def _nibbles32(qs):
    """(nb, 16) packed -> (nb, 32) codes, low nibbles first."""
    return np.concatenate([qs & 0xF, qs >> 4], axis=1).astype(np.int32)


def _bits32(qh):
    """(nb, 4) bytes as little-endian u32 -> (nb, 32) bits."""
    u = np.ascontiguousarray(qh).view("<u4").astype(np.uint32)
    return ((u >> np.arange(32, dtype=np.uint32)) & 1).astype(np.int32)


def _k_scales(s):
    """(nb, 12) packed 6-bit scales/mins -> (sc, m), each (nb, 8) int32."""
    s = s.astype(np.int32)
    sc = np.empty((s.shape[0], 8), np.int32)
    m = np.empty_like(sc)
    sc[:, :4] = s[:, 0:4] & 63
    m[:, :4] = s[:, 4:8] & 63
    sc[:, 4:] = (s[:, 8:12] & 0xF) | ((s[:, 0:4] >> 6) << 4)
    m[:, 4:] = (s[:, 8:12] >> 4) | ((s[:, 4:8] >> 6) << 4)
    return sc, m


def _k_nibbles(qs):
    """(nb, 128) -> (nb, 8, 32) codes in element order (sub-block 2c low, 2c+1 high nibbles of chunk c)."""
    q = qs.reshape(-1, 4, 1, 32)
    return np.concatenate([q & 0xF, q >> 4], axis=2).reshape(-1, 8, 32).astype(np.int32)


def _deq_q4_0(a):
    return _half(a[:, 0:2]) * (_nibbles32(a[:, 2:18]) - 8).astype(f32)


def _deq_q4_1(a):
    return _half(a[:, 0:2]) * _nibbles32(a[:, 4:20]).astype(f32) + _half(a[:, 2:4])


def _deq_q5_0(a):
    q = _nibbles32(a[:, 6:22]) | (_bits32(a[:, 2:6]) << 4)
    return _half(a[:, 0:2]) * (q - 16).astype(f32)


def _deq_q5_1(a):
    q = _nibbles32(a[:, 8:24]) | (_bits32(a[:, 4:8]) << 4)
    return _half(a[:, 0:2]) * q.astype(f32) + _half(a[:, 2:4])


def _deq_q8_0(a):
    return _half(a[:, 0:2]) * np.ascontiguousarray(a[:, 2:34]).view(np.int8).astype(f32)


def _deq_k(a, q):
    """Shared Q4_K / Q5_K tail: q (nb, 8, 32) codes."""
    d, dmin = _half(a[:, 0:2])[:, :, None], _half(a[:, 2:4])[:, :, None]
    sc, m = _k_scales(a[:, 4:16])
    out = (d * sc[:, :, None].astype(f32)) * q.astype(f32) - dmin * m[:, :, None].astype(f32)
    return out.reshape(-1, 256)


def _deq_q4_k(a):
    return _deq_k(a, _k_nibbles(a[:, 16:144]))


def _deq_q5_k(a):
    qh = a[:, 16:48].astype(np.int32)
    high = (qh[:, None, :] >> np.arange(8)[None, :, None]) & 1  # (nb, 8, 32): bit j -> sub-block j
    return _deq_k(a, _k_nibbles(a[:, 48:176]) | (high << 4))


def _deq_q6_k(a):
    ql = a[:, 0:128].reshape(-1, 2, 64).astype(np.int32)
    qh = a[:, 128:192].reshape(-1, 2, 32).astype(np.int32)
    lo = [ql[:, :, 0:32] & 0xF, ql[:, :, 32:64] & 0xF, ql[:, :, 0:32] >> 4, ql[:, :, 32:64] >> 4]
    q = np.stack([lo[k] | (((qh >> (2 * k)) & 3) << 4) for k in range(4)], axis=2)  # (nb, 2, 4, 32)
    q = q.reshape(-1, 16, 16) - 32
    sc = np.ascontiguousarray(a[:, 192:208]).view(np.int8).astype(f32)[:, :, None]
    d = _half(a[:, 208:210])[:, :, None]
    return ((d * sc) * q.astype(f32)).reshape(-1, 256)


def _low2(qs):
    """(nb, 64) -> (nb, 2, 4, 32) low code bits (half h, quarter k, lane l) of Q2_K / Q3_K."""
    q = qs.reshape(-1, 2, 1, 32).astype(np.int32)
    return (q >> (2 * np.arange(4))[None, None, :, None]) & 3


def _deq_q2_k(a):
    s = a[:, 0:16].astype(np.int32)
    q = _low2(a[:, 16:80]).reshape(-1, 16, 16)
    d, dmin = _half(a[:, 80:82])[:, :, None], _half(a[:, 82:84])[:, :, None]
    out = (d * (s & 0xF)[:, :, None].astype(f32)) * q.astype(f32) - dmin * (s >> 4)[:, :, None].astype(f32)
    return out.reshape(-1, 256)


def _q3_scales(s):
    """(nb, 12) packed -> (nb, 16) int32 scales in [-32, 31]."""
    s = s.astype(np.int32)
    low = np.concatenate([s[:, 0:8] & 0xF, s[:, 0:8] >> 4], axis=1)
    i = np.arange(16)
    high = (s[:, 8 + i % 4] >> (2 * (i // 4))) & 3
    return (low | (high << 4)) - 32


def _deq_q3_k(a):
    hm = a[:, 0:32].astype(np.int32).reshape(-1, 1, 1, 32)
    shift = (4 * np.arange(2)[:, None] + np.arange(4)[None, :])[None, :, :, None]
    q = (_low2(a[:, 32:96]) | (((hm >> shift) & 1) << 2)).reshape(-1, 16, 16) - 4
    d = _half(a[:, 108:110])[:, :, None]
    return ((d * _q3_scales(a[:, 96:108])[:, :, None].astype(f32)) * q.astype(f32)).reshape(-1, 256)


IQ4_GRID = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], np.int32)


def _deq_iq4_nl(a):
    return _half(a[:, 0:2]) * IQ4_GRID[_nibbles32(a[:, 2:18])].astype(f32)


def _iq4xs_scales(a):
    """(nb, 136) -> (nb, 8) int32 ls - 32."""
    high = np.ascontiguousarray(a[:, 2:4]).view("<u2").astype(np.int32)  # (nb, 1)
    j = np.arange(8)
    low = (a[:, 4 + j // 2].astype(np.int32) >> (4 * (j % 2))) & 0xF
    return (low | (((high >> (2 * j)) & 3) << 4)) - 32


def _deq_iq4_xs(a):
    q = _nibbles32(a[:, 8:136].reshape(-1, 16)).reshape(-1, 8, 32)
    dl = _half(a[:, 0:2]) * _iq4xs_scales(a).astype(f32)  # (nb, 8)
    return (dl[:, :, None] * IQ4_GRID[q].astype(f32)).reshape(-1, 256)


_DEQUANT = {Q4_0: _deq_q4_0, Q4_1: _deq_q4_1, Q5_0: _deq_q5_0, Q5_1: _deq_q5_1, Q8_0: _deq_q8_0,
            Q4_K: _deq_q4_k, Q5_K: _deq_q5_k, Q6_K: _deq_q6_k, Q2_K: _deq_q2_k, Q3_K: _deq_q3_k,
            IQ4_NL: _deq_iq4_nl, IQ4_XS: _deq_iq4_xs}


def dequantize(raw, ggml_type, ne):
    """Raw tensor bytes -> float32 numpy array of shape reversed(ne)."""
    ne = [int(x) for x in ne]
    n = int(np.prod(ne))
    shape = tuple(reversed(ne))
    if ggml_type == F32:
        return np.frombuffer(raw, "<f4", count=n).astype(f32).reshape(shape)
    if ggml_type == F16:
        return np.frombuffer(raw, "<f2", count=n).astype(f32).reshape(shape)
    if ggml_type == BF16:
        u = np.frombuffer(raw, "<u2", count=n).astype(np.uint32) << 16
        return u.view(f32).reshape(shape)
    if ggml_type not in _DEQUANT:
        raise ValueError(f"no numpy dequantizer for ggml type {ggml_type}")
    blk, bb = BLOCK[ggml_type]
    if ne[0] % blk:
        raise ValueError(f"ne[0]={ne[0]} is not a multiple of the block size {blk}")
    a = np.frombuffer(raw, np.uint8, count=n // blk * bb).reshape(-1, bb)
    return _DEQUANT[ggml_type](a).astype(f32).reshape(shape)


# ---------------------------------------------------------------------------------------------
# Quantization: straightforward round-to-nearest per block (not bit-identical to frugal's C++).

def _to_half(v):
    return np.asarray(v, f32).astype("<f2")


def _hbytes(h):
    """(nb,) or (nb, 1) fp16 -> (nb, 2) uint8."""
    return np.ascontiguousarray(h.reshape(-1)).view(np.uint8).reshape(-1, 2)


def _pack_nibbles32(q):
    return (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)


def _pack_bits32(bits):
    u = (bits.astype(np.uint32) << np.arange(32, dtype=np.uint32)).sum(axis=1, dtype=np.uint32)
    return u.astype("<u4").view(np.uint8).reshape(-1, 4)


def _signed_absmax(x):
    idx = np.abs(x).argmax(axis=1)
    return x[np.arange(x.shape[0]), idx][:, None]


def _safe_inv(d):
    d = d.astype(f32)
    return np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(f32)


def _q_sym(x, zero):
    """Q4_0 / Q5_0: d = signed absmax / -zero, q = round(x / d) + zero."""
    dh = _to_half(_signed_absmax(x) / -zero)
    q = np.clip(np.round(x * _safe_inv(dh)) + zero, 0, 2 * zero - 1).astype(np.int32)
    return dh, q


def _q_affine(x, levels):
    mn, mx = x.min(axis=1, keepdims=True), x.max(axis=1, keepdims=True)
    dh, mh = _to_half((mx - mn) / (levels - 1)), _to_half(mn)
    q = np.clip(np.round((x - mh.astype(f32)) * _safe_inv(dh)), 0, levels - 1).astype(np.int32)
    return dh, mh, q


def _quant_q4_0(x):
    dh, q = _q_sym(x, 8)
    return np.concatenate([_hbytes(dh), _pack_nibbles32(q)], axis=1)


def _quant_q5_0(x):
    dh, q = _q_sym(x, 16)
    return np.concatenate([_hbytes(dh), _pack_bits32(q >> 4), _pack_nibbles32(q & 0xF)], axis=1)


def _quant_q4_1(x):
    dh, mh, q = _q_affine(x, 16)
    return np.concatenate([_hbytes(dh), _hbytes(mh), _pack_nibbles32(q)], axis=1)


def _quant_q5_1(x):
    dh, mh, q = _q_affine(x, 32)
    return np.concatenate([_hbytes(dh), _hbytes(mh), _pack_bits32(q >> 4), _pack_nibbles32(q & 0xF)], axis=1)


def _quant_q8_0(x):
    dh = _to_half(np.abs(x).max(axis=1, keepdims=True) / 127)
    q = np.clip(np.round(x * _safe_inv(dh)), -127, 127).astype(np.int8)
    return np.concatenate([_hbytes(dh), q.view(np.uint8)], axis=1)


def _quant_k(x, levels):
    """Q4_K / Q5_K: x (nb, 256) -> (d, dmin, packed scales (nb, 12), codes (nb, 8, 32))."""
    s = x.reshape(-1, 8, 32)
    lo = np.minimum(s.min(axis=2), 0)                      # offsets are stored as positive mins
    scale = (s.max(axis=2) - lo) / (levels - 1)
    dh, mh = _to_half(scale.max(axis=1) / 63), _to_half(-lo.min(axis=1) / 63)
    sc = np.clip(np.round(scale * _safe_inv(dh)[:, None]), 0, 63).astype(np.int32)
    m = np.clip(np.round(-lo * _safe_inv(mh)[:, None]), 0, 63).astype(np.int32)
    step = dh.astype(f32)[:, None] * sc.astype(f32)
    off = mh.astype(f32)[:, None] * m.astype(f32)
    q = np.clip(np.round((s + off[:, :, None]) * _safe_inv(step)[:, :, None]), 0, levels - 1).astype(np.int32)
    packed = np.empty((x.shape[0], 12), np.uint8)
    packed[:, 0:4] = (sc[:, :4] | ((sc[:, 4:] >> 4) << 6)).astype(np.uint8)
    packed[:, 4:8] = (m[:, :4] | ((m[:, 4:] >> 4) << 6)).astype(np.uint8)
    packed[:, 8:12] = ((sc[:, 4:] & 0xF) | ((m[:, 4:] & 0xF) << 4)).astype(np.uint8)
    return dh, mh, packed, q


def _pack_k_nibbles(q):
    q = q.reshape(-1, 4, 2, 32)
    return ((q[:, :, 0, :] & 0xF) | ((q[:, :, 1, :] & 0xF) << 4)).reshape(-1, 128).astype(np.uint8)


def _quant_q4_k(x):
    dh, mh, packed, q = _quant_k(x, 16)
    return np.concatenate([_hbytes(dh), _hbytes(mh), packed, _pack_k_nibbles(q)], axis=1)


def _quant_q5_k(x):
    dh, mh, packed, q = _quant_k(x, 32)
    qh = ((q >> 4) << np.arange(8)[None, :, None]).sum(axis=1).astype(np.uint8)  # (nb, 32)
    return np.concatenate([_hbytes(dh), _hbytes(mh), packed, qh, _pack_k_nibbles(q)], axis=1)


def _quant_q6_k(x):
    s = x.reshape(-1, 16, 16)
    scale = _signed_absmax(s.reshape(-1, 16)).reshape(-1, 16) / -32
    dh = _to_half(np.abs(scale).max(axis=1) / 127)
    sc = np.clip(np.round(scale * _safe_inv(dh)[:, None]), -128, 127).astype(np.int32)
    step = dh.astype(f32)[:, None] * sc.astype(f32)
    q = np.clip(np.round(s * _safe_inv(step)[:, :, None]) + 32, 0, 63).astype(np.int32)
    q = q.reshape(-1, 2, 4, 32)                                   # (half, quarter, l)
    ql = np.concatenate([(q[:, :, 0] & 0xF) | ((q[:, :, 2] & 0xF) << 4),
                         (q[:, :, 1] & 0xF) | ((q[:, :, 3] & 0xF) << 4)], axis=2).reshape(-1, 128)
    qh = sum((q[:, :, k] >> 4) << (2 * k) for k in range(4)).reshape(-1, 64)
    return np.concatenate([ql.astype(np.uint8), qh.astype(np.uint8), sc.astype(np.int8).view(np.uint8),
                           _hbytes(dh)], axis=1)


def _pack_low2(q):
    """(nb, 2, 4, 32) codes -> (nb, 64) qs bytes (bits 2k of byte 32h + l)."""
    return ((q & 3) << (2 * np.arange(4))[None, None, :, None]).sum(axis=2).reshape(-1, 64).astype(np.uint8)


def _quant_q2_k(x):
    s = x.reshape(-1, 16, 16)
    lo = np.minimum(s.min(axis=2), 0)
    scale = (s.max(axis=2) - lo) / 3
    dh, mh = _to_half(scale.max(axis=1) / 15), _to_half(-lo.min(axis=1) / 15)
    sc = np.clip(np.round(scale * _safe_inv(dh)[:, None]), 0, 15).astype(np.int32)
    m = np.clip(np.round(-lo * _safe_inv(mh)[:, None]), 0, 15).astype(np.int32)
    step = dh.astype(f32)[:, None] * sc.astype(f32)
    off = mh.astype(f32)[:, None] * m.astype(f32)
    q = np.clip(np.round((s + off[:, :, None]) * _safe_inv(step)[:, :, None]), 0, 3).astype(np.int32)
    return np.concatenate([(sc | (m << 4)).astype(np.uint8), _pack_low2(q.reshape(-1, 2, 4, 32)), _hbytes(dh),
                           _hbytes(mh)], axis=1)


def _quant_q3_k(x):
    s = x.reshape(-1, 16, 16)
    scale = _signed_absmax(s.reshape(-1, 16)).reshape(-1, 16) / -4
    dh = _to_half(np.abs(scale).max(axis=1) / 31)
    sc = np.clip(np.round(scale * _safe_inv(dh)[:, None]), -32, 31).astype(np.int32)
    step = dh.astype(f32)[:, None] * sc.astype(f32)
    q = np.clip(np.round(s * _safe_inv(step)[:, :, None]) + 4, 0, 7).astype(np.int32).reshape(-1, 2, 4, 32)
    shift = (4 * np.arange(2)[:, None] + np.arange(4)[None, :])[None, :, :, None]
    hmask = ((q >> 2) << shift).sum(axis=(1, 2)).astype(np.uint8)
    u = sc + 32
    packed = np.empty((x.shape[0], 12), np.int32)
    packed[:, 0:8] = (u[:, 0:8] & 0xF) | ((u[:, 8:16] & 0xF) << 4)
    packed[:, 8:12] = sum((u[:, 4 * j:4 * j + 4] >> 4) << (2 * j) for j in range(4))
    return np.concatenate([hmask, _pack_low2(q), packed.astype(np.uint8), _hbytes(dh)], axis=1)


def _iq4_codes(x, step):
    """x (n, 32) / step (n, 1) -> nearest grid indices (n, 32)."""
    v = x * _safe_inv(step)
    return np.abs(v[:, :, None] - IQ4_GRID[None, None, :].astype(f32)).argmin(axis=2).astype(np.int32)


def _quant_iq4_nl(x):
    dh = _to_half(_signed_absmax(x) / -127)
    return np.concatenate([_hbytes(dh), _pack_nibbles32(_iq4_codes(x, dh.astype(f32)))], axis=1)


def _quant_iq4_xs(x):
    s = x.reshape(-1, 8, 32)
    step = _signed_absmax(s.reshape(-1, 32)).reshape(-1, 8) / -127
    dh = _to_half(np.abs(step).max(axis=1) / 31)
    ls = np.clip(np.round(step * _safe_inv(dh)[:, None]), -32, 31).astype(np.int32) + 32
    dl = dh.astype(f32)[:, None] * (ls - 32).astype(f32)
    q = _iq4_codes(s.reshape(-1, 32), dl.reshape(-1, 1)).reshape(-1, 8, 32)
    qs = _pack_nibbles32(q.reshape(-1, 32)).reshape(-1, 128)
    high = sum((ls[:, j] >> 4) << (2 * j) for j in range(8)).astype("<u2")
    low = (ls[:, 0::2] & 0xF) | ((ls[:, 1::2] & 0xF) << 4)
    return np.concatenate([_hbytes(dh), high.view(np.uint8).reshape(-1, 2), low.astype(np.uint8), qs], axis=1)


_QUANT = {Q4_0: _quant_q4_0, Q4_1: _quant_q4_1, Q5_0: _quant_q5_0, Q5_1: _quant_q5_1, Q8_0: _quant_q8_0,
          Q4_K: _quant_q4_k, Q5_K: _quant_q5_k, Q6_K: _quant_q6_k, Q2_K: _quant_q2_k,
          Q3_K: _quant_q3_k, IQ4_NL: _quant_iq4_nl, IQ4_XS: _quant_iq4_xs}


def quantize(arr, ggml_type):
    """float array (last axis = GGUF ne[0], a multiple of the block size) -> raw tensor bytes."""
    x = np.ascontiguousarray(arr, dtype=f32)
    if ggml_type == F32:
        return x.astype("<f4").tobytes()
    if ggml_type == F16:
        return x.astype("<f2").tobytes()
    if ggml_type == BF16:
        u = x.view(np.uint32).astype(np.uint64)
        return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2").tobytes()
    if ggml_type not in _QUANT:
        raise ValueError(f"no numpy quantizer for ggml type {ggml_type}")
    blk, _ = BLOCK[ggml_type]
    if x.shape[-1] % blk:
        raise ValueError(f"last dimension {x.shape[-1]} is not a multiple of the block size {blk}")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _QUANT[ggml_type](x.reshape(-1, blk)).astype(np.uint8).tobytes()
