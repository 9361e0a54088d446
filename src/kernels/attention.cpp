// Grouped decode attention: the scalar reference and the run-time dispatch to the SIMD paths
// (kernels/x86/attention_impl.h, compiled per ISA in avx2/ and avx512/).
#include "kernels/attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/arch.h"
#include "base/error.h"
#include "base/fp16.h"

namespace frugal::kernels {

const char* kv_type_name(KvType t) { return t == KvType::F16 ? "f16" : t == KvType::Q8_0 ? "q8_0" : "f32"; }

KvType kv_type_from_name(std::string_view name) {
  if (name == "f32") return KvType::F32;
  if (name == "f16") return KvType::F16;
  if (name == "q8_0") return KvType::Q8_0;
  fail("unknown cache type '{}' (expected f32, f16 or q8_0)", name);
}

namespace {

// Element i of a key or value row, widened to double.
struct KvRow {
  const void* p;
  const uint16_t* scales;  // q8_0 only
  KvType t;
  double operator[](int64_t i) const {
    switch (t) {
      case KvType::F16: return double(fp16_to_float(static_cast<const uint16_t*>(p)[i]));
      case KvType::Q8_0:
        return double(static_cast<const int8_t*>(p)[i]) * double(fp16_to_float(scales[i / kKvQ8Block]));
      case KvType::F32: break;
    }
    return double(static_cast<const float*>(p)[i]);
  }
};

KvRow kv_row(const void* base, const uint16_t* scales, int64_t j, int64_t stride, int64_t scale_stride, KvType t) {
  return {static_cast<const char*>(base) + j * stride * kv_type_size(t), scales ? scales + j * scale_stride : nullptr,
          t};
}

KvRow key_row(const HeadGroup& g, int64_t j) { return kv_row(g.k, g.k_scales, j, g.k_stride, g.k_scale_stride, g.kv); }
KvRow value_row(const HeadGroup& g, int64_t j) {
  return kv_row(g.v, g.v_scales, j, g.v_stride, g.v_scale_stride, g.kv);
}

void check_group(const HeadGroup& g) {
  FRUGAL_CHECK(g.n >= 1 && g.n_q >= 1 && g.dk > 0 && g.dv > 0,
               "attention: need n >= 1, n_q >= 1 and positive head dims (n={}, n_q={}, dk={}, dv={})", g.n, g.n_q,
               g.dk, g.dv);
  FRUGAL_CHECK(g.n_q == 1 || g.out_stride >= g.dv, "attention: output rows overlap (stride {} < dv {})",
               g.out_stride, g.dv);
  FRUGAL_CHECK(g.kv != KvType::Q8_0 || (g.k_scales && g.v_scales && g.k_scale_stride >= kv_row_scales(g.kv, g.dk) &&
                                        g.v_scale_stride >= kv_row_scales(g.kv, g.dv)),
               "attention: q8_0 rows need their block scales");
  for (int64_t i = 0; g.lens && i < g.n_q; ++i)
    FRUGAL_CHECK(g.lens[i] >= 1 && g.lens[i] <= g.n, "attention: query {} attends {} positions, not 1..{}", i,
                 g.lens[i], g.n);
}

double dot_double(const float* a, KvRow b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += double(a[i]) * b[i];
  return s;
}

// out = inv_sum * sum_j p[j] v_j, accumulated in double a stripe of dims at a time so each
// value row is read in runs of consecutive floats.
void weighted_sum(const HeadGroup& g, const float* p, int64_t n, double inv_sum, float* out) {
  constexpr int64_t kStripe = 64;
  double acc[kStripe];
  for (int64_t c0 = 0; c0 < g.dv; c0 += kStripe) {
    const int64_t w = std::min(kStripe, g.dv - c0);
    std::fill(acc, acc + w, 0.0);
    for (int64_t j = 0; j < n; ++j) {
      const KvRow vj = value_row(g, j);
      const double pj = p[j];
      for (int64_t c = 0; c < w; ++c) acc[c] += pj * vj[c0 + c];
    }
    for (int64_t c = 0; c < w; ++c) out[c0 + c] = float(acc[c] * inv_sum);
  }
}

}  // namespace

int64_t attend_scratch_floats(const HeadGroup& g) {
  // Reference: one head's n scores. SIMD: a block of scores per head plus four floats of
  // softmax state per head (running max, running sum, rescale factor, 1/sum), and the block's
  // keys transposed and its values packed where attend_transposes, or both widened to f32 where
  // attend_widens.
  const bool copies = attend_copies(g.n_q, g.dk, g.kv);
  const int64_t block = attend_block(g.n_q, g.dk, g.kv);
  const int64_t simd = g.n_q * (attend_score_stride(g.n, block) + 4) + (copies ? (g.dk + g.dv) * block : 0);
  return std::max(g.n, simd);
}

void attend_group_reference(const HeadGroup& g, float* scratch) {
  check_group(g);
  float* s = scratch;
  for (int64_t i = 0; i < g.n_q; ++i) {
    const float* qi = g.q + i * g.q_stride;
    const int64_t n = g.lens ? g.lens[i] : g.n;
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) {
      s[j] = float(double(g.scale) * dot_double(qi, key_row(g, j), g.dk));
      mx = std::max(mx, s[j]);
    }
    // Subtracting the max keeps every exponent <= 0: no overflow however large the scores.
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) {
      const double e = std::exp(double(s[j]) - double(mx));
      s[j] = float(e);
      sum += e;
    }
    weighted_sum(g, s, n, 1.0 / sum, g.out + i * g.out_stride);
    if (g.lse) g.lse[i] = float(double(mx) + std::log(sum));
  }
}

void merge_attention_parts(const float* parts, int64_t part_stride, const float* lse, int64_t lse_stride,
                           int64_t n_parts, int64_t dv, float* out) {
  FRUGAL_CHECK(n_parts >= 1 && dv > 0, "attention: merging {} parts of {} dims", n_parts, dv);
  float mx = lse[0];
  for (int64_t c = 1; c < n_parts; ++c) mx = std::max(mx, lse[c * lse_stride]);
  float wsum = 0;
  for (int64_t c = 0; c < n_parts; ++c) wsum += std::exp(lse[c * lse_stride] - mx);
  std::fill(out, out + dv, 0.0f);
  for (int64_t c = 0; c < n_parts; ++c) {
    const float w = std::exp(lse[c * lse_stride] - mx) / wsum;
    const float* p = parts + c * part_stride;
    for (int64_t i = 0; i < dv; ++i) out[i] += w * p[i];
  }
}

void attend_group(Isa isa, const HeadGroup& g, std::span<float> scratch_span) {
  check_group(g);
  const int64_t need = attend_scratch_floats(g);
  FRUGAL_CHECK(int64_t(scratch_span.size()) >= need, "attention: {} floats of scratch for a group that needs {}",
               scratch_span.size(), need);
  float* scratch = scratch_span.data();
  if (isa == Isa::Auto) isa = detect_best_isa();
  // The SIMD paths work in whole vectors; other head sizes take the reference.
#if FRUGAL_X86
  if (isa == Isa::Avx512 && g.dk % 16 == 0 && g.dv % 16 == 0) return attend_group_avx512(g, scratch);
  if ((isa == Isa::Avx512 || isa == Isa::Avx2) && g.dk % 8 == 0 && g.dv % 8 == 0)
    return attend_group_avx2(g, scratch);
#elif FRUGAL_ARM64
  if (isa == Isa::Neon && g.dk % 4 == 0 && g.dv % 4 == 0) return attend_group_neon(g, scratch);
#endif
  attend_group_reference(g, scratch);
}

}  // namespace frugal::kernels
