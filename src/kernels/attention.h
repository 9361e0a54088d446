// Decode attention for a group of query heads that read the same cached keys and values:
// a GQA group (the heads of one KV head) or absorbed multi-head latent attention (every head
// reads one latent row; the values are its first dv dims). The fast paths read each key and
// value row once for the whole group instead of once per head.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kernels/matmul.h"

namespace frugal::kernels {

// Element type of cached keys and values: f32; IEEE half (half the memory and half the bytes
// each decoded token reads from a long context; 11 significant bits per value); or q8_0 (as
// llama.cpp's cache type of that name: each row in blocks of kKvQ8Block values, 8-bit codes
// and one IEEE half scale per block, 8.5 bits per value; a row's last block may be shorter).
enum class KvType : uint8_t { F32, F16, Q8_0 };
inline constexpr int64_t kKvQ8Block = 32;
// Bytes of one element (q8_0: of its code; the scales are kv_row_bytes' extra).
inline constexpr int64_t kv_type_size(KvType t) { return t == KvType::F32 ? 4 : t == KvType::F16 ? 2 : 1; }
// Block scales of a row of `width` values (q8_0 only; 0 for the float types).
inline constexpr int64_t kv_row_scales(KvType t, int64_t width) {
  return t == KvType::Q8_0 ? (width + kKvQ8Block - 1) / kKvQ8Block : 0;
}
// Bytes one row of `width` values takes: elements plus scales.
inline constexpr int64_t kv_row_bytes(KvType t, int64_t width) {
  return width * kv_type_size(t) + 2 * kv_row_scales(t, width);
}
const char* kv_type_name(KvType t);
// "f32", "f16" or "q8_0"; throws Error naming the accepted names otherwise.
KvType kv_type_from_name(std::string_view name);

// Query heads i < n_q that attend to the same cached positions j < n_i (n_i = lens[i], or n
// for every query when lens is null: a GQA group or MLA heads of one token; several tokens of
// one sequence under a causal mask):
//   s[i][j] = scale * dot(q_i, k_j) over dk dims, p[i] = softmax_{j < n_i}(s[i]),
//   out_i = sum_{j < n_i} p[i][j] * v_j over dv dims.
// Keys and values are elements of type kv (strides in elements); queries and outputs are f32.
// With q8_0 elements, value c of row j is code[c] * scale[c / kKvQ8Block], the scales of key
// row j at k_scales + j * k_scale_stride (values likewise; v_scales may alias k_scales).
struct HeadGroup {
  const float* q; int64_t q_stride; int64_t n_q;  // q_i = q + i * q_stride (dk floats)
  const void* k; int64_t k_stride; int64_t dk;    // k_j = k + j * k_stride
  const void* v; int64_t v_stride; int64_t dv;    // v_j = v + j * v_stride (may alias k)
  int64_t n; float scale;
  float* out; int64_t out_stride;                  // out_i = out + i * out_stride (dv floats, overwritten)
  const int64_t* lens = nullptr;                   // optional n_i, 1 <= n_i <= n
  KvType kv = KvType::F32;
  const uint16_t* k_scales = nullptr; int64_t k_scale_stride = 0;  // q8_0 only
  const uint16_t* v_scales = nullptr; int64_t v_scale_stride = 0;
  // Optional: lse[i] = log sum_{j < n_i} e^(s[i][j]) (the softmax's normaliser in log form), so
  // attention over disjoint ranges of positions can be merged (merge_attention_parts).
  float* lse = nullptr;
};

// Floats of scratch attend_group needs for g with any ISA; non-decreasing in g.n, so the size
// for the longest sequence of a batch serves every shorter one.
int64_t attend_scratch_floats(const HeadGroup& g);

// Runs g with the kernels of `isa` (the Kernels' ISA; the CPU must support it). Reference and
// Scalar run attend_group_reference; Avx2, Avx512 and Neon run SIMD paths where dk and dv are
// multiples of the vector width (else the reference). Throws Error when n, n_q, dk or dv is
// not positive, a length is outside [1, n], q8_0 rows come without scales, or scratch holds
// fewer than attend_scratch_floats(g) floats. Outputs differ from the reference by f32 rounding
// only (relative ~1e-6).
void attend_group(Isa isa, const HeadGroup& g, std::span<float> scratch);

// Combines the outputs of one query over disjoint ranges of positions, run separately with
// HeadGroup::lse: part c (dv floats at parts + c * part_stride) weighs e^(lse_c) over the sum
// of them all, so out equals attention over the union (up to f32 rounding).
void merge_attention_parts(const float* parts, int64_t part_stride, const float* lse, int64_t lse_stride,
                           int64_t n_parts, int64_t dv, float* out);

// Scalar oracle: dots and weighted sums accumulated in double, softmax with max subtraction;
// half and q8_0 keys and values are widened exactly.
void attend_group_reference(const HeadGroup& g, float* scratch);

// Whether the SIMD paths transpose each block of keys (dims-major, so the scores of 16 (AVX2: 8)
// positions accumulate in one vector). The transpose costs about dk / 4 shuffles per key and
// saves about 3 per query and key (the cross-lane sums): worth it from ~dk / 12 queries, so in
// prompt tiles, not for absorbed MLA's 16 heads over 576-wide latent keys.
inline constexpr bool attend_transposes(int64_t n_q, int64_t dk) { return n_q >= 8 && n_q * 12 >= dk; }
// Whether the SIMD paths widen each block of q8_0 keys (and values) to f32 once, where they do
// not transpose it: with 8 queries or more a key is read by several head sub-groups, each of which
// would widen it again (absorbed MLA's 16 heads: eight times on AVX2; there x1.30). Not for fewer
// queries (a GQA group of 4: x0.70), nor for half keys, which widen in one instruction (x0.55-0.83).
inline constexpr bool attend_widens(int64_t n_q, int64_t dk, KvType kv) {
  return kv == KvType::Q8_0 && n_q >= 8 && !attend_transposes(n_q, dk);
}

// Positions the SIMD paths process per block: softmax runs online over blocks, so scratch holds
// one block of scores per head and each key/value row is read from memory once while the block
// (rows of up to a few KiB) stays in L2. Blocks read in place take 128 positions; blocks first
// copied to scratch (transposed or widened keys, packed values) 64, so the copies and the many
// queries' scores stay near L1. Against 64 everywhere (AVX2, one thread, fastest runs): GQA decode
// x1.02-1.07 (groups of 4 and 8 heads over 512-4096 positions; half and q8_0 caches of 8 heads
// x0.99), absorbed MLA over f32 x1.05, over half and q8_0 x1.00; with 128 also for the copied
// blocks, a prompt tile of 64 queries ran x0.94-0.96 and absorbed MLA over q8_0 x0.98.
inline constexpr int64_t kAttendBlock = 128;
inline constexpr int64_t kAttendCopiedBlock = 64;
// Whether a block's keys are copied to scratch (transposed or widened to f32).
inline constexpr bool attend_copies(int64_t n_q, int64_t dk, KvType kv) {
  return attend_transposes(n_q, dk) || attend_widens(n_q, dk, kv);
}
// The block length for a group of n_q queries over keys of dk elements of type kv.
inline constexpr int64_t attend_block(int64_t n_q, int64_t dk, KvType kv) {
  return attend_copies(n_q, dk, kv) ? kAttendCopiedBlock : kAttendBlock;
}
// Score row stride of the SIMD paths: a block of positions (at most n) rounded up to 16.
inline constexpr int64_t attend_score_stride(int64_t n, int64_t block) {
  return ((n < block ? n : block) + 15) / 16 * 16;
}

// Per-ISA entry points, in translation units compiled for those ISAs: call only after a CPU
// check, with dk and dv multiples of 16 (AVX-512), 8 (AVX2) or 4 (NEON). Used by attend_group.
void attend_group_avx512(const HeadGroup& g, float* scratch);
void attend_group_avx2(const HeadGroup& g, float* scratch);
void attend_group_neon(const HeadGroup& g, float* scratch);  // ARM64 builds only

}  // namespace frugal::kernels
