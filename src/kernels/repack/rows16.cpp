// Portable conversions between plain GGUF rows and the Rows16 group layouts (rows16.h).
#include "kernels/repack/rows16.h"

#include <cstring>

#include "base/error.h"
#include "kernels/quant/blocks.h"

namespace frugal::kernels {

namespace {

constexpr int kR = 16;

// One block column of one row <-> its share of the group: `to_group` selects the direction.
// blk: the row's plain block; g: the group's bytes for this block column.
void q8_0_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  for (int k = 0; k < 8; ++k)
    for (int i = 0; i < 4; ++i) {
      uint8_t& v = g[32 + (k * kR + r) * 4 + i];
      uint8_t& q = blk[2 + 4 * k + i];
      if (to_group) v = uint8_t(q ^ 0x80);
      else q = uint8_t(v ^ 0x80);
    }
  if (to_group) std::memcpy(g + 2 * r, blk, 2);
  else std::memcpy(blk, g + 2 * r, 2);
}

// Q4_K's header: hdr = d, dmin and the 12 scale bytes of the plain block; the group's 256
// header bytes.
void k4_header(uint8_t* hdr, uint8_t* g_hdr, int r, bool to_group) {
  if (to_group) {
    std::memcpy(g_hdr + 2 * r, hdr, 2);
    std::memcpy(g_hdr + 32 + 2 * r, hdr + 2, 2);
    uint8_t sc[8], m[8];
    unpack_k4_scales(hdr + 4, sc, m);
    for (int q = 0; q < 4; ++q) {
      g_hdr[64 + 16 * q + r] = uint8_t((sc[q] & 15) | (sc[q + 4] & 15) << 4);
      g_hdr[128 + 16 * q + r] = uint8_t((m[q] & 15) | (m[q + 4] & 15) << 4);
      g_hdr[192 + 16 * q + r] = uint8_t(sc[q] >> 4 | (sc[q + 4] >> 4) << 2 | (m[q] >> 4) << 4 | (m[q + 4] >> 4) << 6);
    }
  } else {
    std::memcpy(hdr, g_hdr + 2 * r, 2);
    std::memcpy(hdr + 2, g_hdr + 32 + 2 * r, 2);
    uint8_t sc[8], m[8];
    for (int q = 0; q < 4; ++q) {
      const uint8_t L = g_hdr[64 + 16 * q + r], M = g_hdr[128 + 16 * q + r], H = g_hdr[192 + 16 * q + r];
      sc[q] = uint8_t((L & 15) | (H & 3) << 4);
      sc[q + 4] = uint8_t((L >> 4) | ((H >> 2) & 3) << 4);
      m[q] = uint8_t((M & 15) | ((H >> 4) & 3) << 4);
      m[q + 4] = uint8_t((M >> 4) | ((H >> 6) & 3) << 4);
    }
    pack_k4_scales(sc, m, hdr + 4);
  }
}
// Q4_K's qs[128] <-> the group's 2048 qs bytes (32 vectors).
void k4_qs(uint8_t* qs, uint8_t* g_qs, int r, bool to_group) {
  for (int v = 0; v < 32; ++v) {
    if (to_group) std::memcpy(g_qs + (v * kR + r) * 4, qs + 4 * v, 4);
    else std::memcpy(qs + 4 * v, g_qs + (v * kR + r) * 4, 4);
  }
}

void q4_k_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  k4_header(blk, g, r, to_group);
  k4_qs(blk + 16, g + 256, r, to_group);
}

// Q5_K: Q4_K's group with the 32 qh bytes of each row as 8 vectors k (lane r = qh[4k .. 4k + 3])
// between the header and the qs.
void q5_k_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  k4_header(blk, g, r, to_group);
  k4_qs(blk + 48, g + 768, r, to_group);
  for (int k = 0; k < 8; ++k) {
    if (to_group) std::memcpy(g + 256 + (k * kR + r) * 4, blk + 16 + 4 * k, 4);
    else std::memcpy(blk + 16 + 4 * k, g + 256 + (k * kR + r) * 4, 4);
  }
}

// The 256 5-bit codes of a plain Q5_K block (element 32 j + l: nibble of qs[32 (j / 2) + l],
// low for even j, and bit j of qh[l]) <-> its qh/qs fields.
void q5_plain_codes(const uint8_t* blk, uint8_t* q) {
  for (int j = 0; j < 8; ++j)
    for (int l = 0; l < 32; ++l)
      q[32 * j + l] = uint8_t((blk[48 + 32 * (j / 2) + l] >> (4 * (j % 2)) & 15) | ((blk[16 + l] >> j) & 1) << 4);
}
void q5_plain_store(const uint8_t* q, uint8_t* blk) {
  std::memset(blk + 16, 0, 160);
  for (int j = 0; j < 8; ++j)
    for (int l = 0; l < 32; ++l) {
      blk[48 + 32 * (j / 2) + l] = uint8_t(blk[48 + 32 * (j / 2) + l] | (q[32 * j + l] & 15) << (4 * (j % 2)));
      blk[16 + l] = uint8_t(blk[16 + l] | (q[32 * j + l] >> 4) << j);
    }
}

// Q5_K in Rows16Avx2: the header as Q4_K's, then per sub-block j the five vectors of
// q5_packed_codes_at (rows16.h): codes c[m] = element 4m + i of the sub-block for byte i.
void q5_k_avx2_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  k4_header(blk, g, r, to_group);
  uint8_t q[256];
  if (to_group) q5_plain_codes(blk, q);
  for (int j = 0; j < 8; ++j)
    for (int i = 0; i < 4; ++i) {
      uint8_t* v[5];
      for (int u = 0; u < 5; ++u) v[u] = g + q5_packed_codes_at(j, u) + 4 * r + i;
      uint8_t* c = q + 32 * j + i;  // c[4 m]: code vector m
      if (to_group) {
        for (int u = 0; u < 5; ++u) *v[u] = c[4 * u];
        *v[0] = uint8_t(*v[0] | (c[20] & 7) << 5);
        *v[1] = uint8_t(*v[1] | (c[20] >> 3) << 5 | (c[28] >> 3 & 1) << 7);
        *v[2] = uint8_t(*v[2] | (c[24] & 7) << 5);
        *v[3] = uint8_t(*v[3] | (c[24] >> 3) << 5 | (c[28] >> 4) << 7);
        *v[4] = uint8_t(*v[4] | (c[28] & 7) << 5);
      } else {
        for (int u = 0; u < 5; ++u) c[4 * u] = uint8_t(*v[u] & 31);
        c[20] = uint8_t(*v[0] >> 5 | (*v[1] >> 5 & 3) << 3);
        c[24] = uint8_t(*v[2] >> 5 | (*v[3] >> 5 & 3) << 3);
        c[28] = uint8_t(*v[4] >> 5 | (*v[1] >> 7) << 3 | (*v[3] >> 7) << 4);
      }
    }
  if (!to_group) q5_plain_store(q, blk);
}

// The 256 6-bit codes of a plain Q6_K block <-> its ql/qh fields.
void q6_plain_codes(const uint8_t* blk, uint8_t* q) {
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 32; ++l) {
      const uint8_t* ql = blk + 64 * h + l;
      const int qh = blk[128 + 32 * h + l];
      uint8_t* o = q + 128 * h + l;
      o[0] = uint8_t((ql[0] & 15) | (qh & 3) << 4);
      o[32] = uint8_t((ql[32] & 15) | ((qh >> 2) & 3) << 4);
      o[64] = uint8_t((ql[0] >> 4) | ((qh >> 4) & 3) << 4);
      o[96] = uint8_t((ql[32] >> 4) | ((qh >> 6) & 3) << 4);
    }
}
void q6_plain_store(const uint8_t* q, uint8_t* blk) {
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 32; ++l) {
      const uint8_t* c = q + 128 * h + l;
      blk[64 * h + l] = uint8_t((c[0] & 15) | (c[64] & 15) << 4);
      blk[64 * h + l + 32] = uint8_t((c[32] & 15) | (c[96] & 15) << 4);
      blk[128 + 32 * h + l] = uint8_t(c[0] >> 4 | (c[32] >> 4) << 2 | (c[64] >> 4) << 4 | (c[96] >> 4) << 6);
    }
}
// The same for row r's share of a group (g: the group's bytes for this block column).
void q6_group_codes(const uint8_t* g, int r, uint8_t* q) {
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 4; ++i) {
      const uint8_t a = g[q6_rows16_ql(j, 0) + 4 * r + i], b = g[q6_rows16_ql(j, 1) + 4 * r + i];
      const uint8_t h = g[q6_rows16_qh(j) + 4 * r + i];
      uint8_t* o = q + 16 * j + i;
      o[0] = uint8_t((a & 15) | (h & 3) << 4);
      o[4] = uint8_t((a >> 4) | ((h >> 2) & 3) << 4);
      o[8] = uint8_t((b & 15) | ((h >> 4) & 3) << 4);
      o[12] = uint8_t((b >> 4) | ((h >> 6) & 3) << 4);
    }
}
void q6_group_store(const uint8_t* q, int r, uint8_t* g) {
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 4; ++i) {
      const uint8_t* c = q + 16 * j + i;
      g[q6_rows16_ql(j, 0) + 4 * r + i] = uint8_t((c[0] & 15) | (c[4] & 15) << 4);
      g[q6_rows16_ql(j, 1) + 4 * r + i] = uint8_t((c[8] & 15) | (c[12] & 15) << 4);
      g[q6_rows16_qh(j) + 4 * r + i] = uint8_t(c[0] >> 4 | (c[4] >> 4) << 2 | (c[8] >> 4) << 4 | (c[12] >> 4) << 6);
    }
}

// Rows16Avx2: byte i of lane r of vector v (< 3) of sub-block j: the code of element
// 16j + 4v + i in bits 0..5, bits 2v..2v+1 of the code of element 16j + 12 + i in bits 6..7.
void q6_packed_codes(const uint8_t* g, int r, uint8_t* q) {
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 4; ++i) {
      uint8_t* o = q + 16 * j + i;
      o[12] = 0;
      for (int v = 0; v < 3; ++v) {
        const uint8_t a = g[q6_packed_codes_at(j, v) + 4 * r + i];
        o[4 * v] = uint8_t(a & 63);
        o[12] = uint8_t(o[12] | (a >> 6) << (2 * v));
      }
    }
}
void q6_packed_store(const uint8_t* q, int r, uint8_t* g) {
  for (int j = 0; j < 16; ++j)
    for (int i = 0; i < 4; ++i) {
      const uint8_t* c = q + 16 * j + i;
      for (int v = 0; v < 3; ++v)
        g[q6_packed_codes_at(j, v) + 4 * r + i] = uint8_t(c[4 * v] | ((c[12] >> (2 * v)) & 3) << 6);
    }
}

template <bool kPacked>
void q6_k_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  uint8_t q[256];
  if (to_group) {
    std::memcpy(g + 2 * r, blk + 208, 2);
    for (int j = 0; j < 16; ++j) g[32 + 32 * (j / 2) + 2 * r + j % 2] = blk[192 + j];
    q6_plain_codes(blk, q);
    (kPacked ? q6_packed_store : q6_group_store)(q, r, g);
  } else {
    std::memcpy(blk + 208, g + 2 * r, 2);
    for (int j = 0; j < 16; ++j) blk[192 + j] = g[32 + 32 * (j / 2) + 2 * r + j % 2];
    (kPacked ? q6_packed_codes : q6_group_codes)(g, r, q);
    q6_plain_store(q, blk);
  }
}

// Q4_0 / Q4_1 / Q5_0 / Q5_1: [d | m (kMin)] fp16 x 16, [qh vector (kHigh)], 4 qs vectors.
// Plain block: d, [m], [qh u32], qs[16].
template <bool kMin, bool kHigh>
void legacy_block(uint8_t* blk, uint8_t* g, int r, bool to_group) {
  constexpr int kScales = kMin ? 4 : 2, kQh = kHigh ? 4 : 0;
  constexpr int kGroupQh = LegacyRows16Layout<kMin, kHigh, 0>::kQh, kGroupQs = LegacyRows16Layout<kMin, kHigh, 0>::kQs;
  for (int i = 0; i < kScales; i += 2) {
    if (to_group) std::memcpy(g + 16 * i + 2 * r, blk + i, 2);
    else std::memcpy(blk + i, g + 16 * i + 2 * r, 2);
  }
  for (int k = 0; k < 4; ++k) {
    if (to_group) std::memcpy(g + kGroupQs + (k * kR + r) * 4, blk + kScales + kQh + 4 * k, 4);
    else std::memcpy(blk + kScales + kQh + 4 * k, g + kGroupQs + (k * kR + r) * 4, 4);
  }
  if constexpr (kHigh) {  // group: lane r byte i bit u = bit 4 of element 4u + i
    uint32_t qh = 0;
    if (to_group) {
      std::memcpy(&qh, blk + kScales, 4);
      for (int i = 0; i < 4; ++i) {
        uint8_t v = 0;
        for (int u = 0; u < 8; ++u) v = uint8_t(v | ((qh >> (4 * u + i)) & 1) << u);
        g[kGroupQh + 4 * r + i] = v;
      }
    } else {
      for (int i = 0; i < 4; ++i)
        for (int u = 0; u < 8; ++u) qh |= uint32_t((g[kGroupQh + 4 * r + i] >> u) & 1) << (4 * u + i);
      std::memcpy(blk + kScales, &qh, 4);
    }
  }
}

struct Rows16Format {
  int block_elems, block_bytes;
  void (*block)(uint8_t* blk, uint8_t* g, int r, bool to_group);
};

// The format's conversions for the layout; nullptr where type t has none.
const Rows16Format* rows16_format(GgmlType t, WeightLayout layout) {
  static constexpr Rows16Format q8_0{32, 34, q8_0_block}, q4_k{256, 144, q4_k_block};
  static constexpr Rows16Format q6_k{256, 210, q6_k_block<false>}, q6_k_packed{256, 210, q6_k_block<true>};
  static constexpr Rows16Format q4_0{32, 18, legacy_block<false, false>}, q4_1{32, 20, legacy_block<true, false>};
  static constexpr Rows16Format q5_0{32, 22, legacy_block<false, true>}, q5_1{32, 24, legacy_block<true, true>};
  static constexpr Rows16Format q5_k{256, 176, q5_k_block}, q5_k_avx2{256, 176, q5_k_avx2_block};
  static constexpr Rows16Format q2_k{256, 84, q2_k_rows16_block}, q3_k{256, 110, q3_k_rows16_block};
  static constexpr Rows16Format iq4_xs{256, 136, iq4_xs_rows16_block};
  if (!is_rows16(layout)) return nullptr;
  switch (t) {
    case GgmlType::Q4_0: return &q4_0;
    case GgmlType::Q4_1: return &q4_1;
    case GgmlType::Q5_0: return &q5_0;
    case GgmlType::Q5_1: return &q5_1;
    case GgmlType::Q5_K: return layout == WeightLayout::Rows16Avx2 ? &q5_k_avx2 : &q5_k;
    case GgmlType::Q8_0: return &q8_0;
    case GgmlType::Q4_K: return &q4_k;
    case GgmlType::Q6_K: return layout == WeightLayout::Rows16Avx2 ? &q6_k_packed : &q6_k;
    case GgmlType::Q2_K: return &q2_k;
    case GgmlType::Q3_K: return &q3_k;
    case GgmlType::IQ4_XS: return &iq4_xs;
    default: return nullptr;
  }
}

}  // namespace

bool has_rows16_layout(GgmlType t) { return rows16_format(t, WeightLayout::Rows16) != nullptr; }

void pack_rows16(GgmlType t, WeightLayout layout, const uint8_t* src, uint64_t row_bytes, int64_t cols, uint8_t* dst) {
  const Rows16Format* f = rows16_format(t, layout);
  FRUGAL_CHECK(f != nullptr, "pack_rows16: no Rows16 layout for {}", ggml_type_name(uint32_t(t)));
  const int64_t nb = cols / f->block_elems;
  uint8_t blk[256];
  std::memset(dst, 0, size_t(nb) * kR * size_t(f->block_bytes));
  for (int64_t b = 0; b < nb; ++b)
    for (int r = 0; r < kR; ++r) {
      std::memcpy(blk, src + uint64_t(r) * row_bytes + uint64_t(b) * uint64_t(f->block_bytes), size_t(f->block_bytes));
      f->block(blk, dst + b * kR * f->block_bytes, r, true);
    }
}

void unpack_row16(GgmlType t, WeightLayout layout, const uint8_t* group, int64_t cols, int r, uint8_t* dst) {
  const Rows16Format* f = rows16_format(t, layout);
  FRUGAL_CHECK(f != nullptr, "unpack_row16: no Rows16 layout for {}", ggml_type_name(uint32_t(t)));
  const int64_t nb = cols / f->block_elems;
  uint8_t blk[256];
  for (int64_t b = 0; b < nb; ++b) {
    std::memset(blk, 0, sizeof blk);
    // The block function only reads the group when unpacking.
    f->block(blk, const_cast<uint8_t*>(group) + b * kR * f->block_bytes, r, false);
    std::memcpy(dst + b * f->block_bytes, blk, size_t(f->block_bytes));
  }
}

}  // namespace frugal::kernels
