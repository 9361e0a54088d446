// AVX-512 instance of the grouped decode attention (kernels/x86/attention_impl.h).
// Like the other files of this folder: no AVX-VNNI (VEX) or BF16 encodings, so CPUs such as
// Zen 4 and Ice Lake can run everything the folder emits.
#pragma GCC target("no-avxvnni,no-avx512bf16")
// GCC 12 flags the self-initialised "undefined" vectors inside its AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "kernels/x86/attention_impl.h"

namespace frugal::kernels {

void attend_group_avx512(const HeadGroup& g, float* scratch) {
  if (g.kv == KvType::F16) return GroupAttention<Vec512, uint16_t>::run(g, scratch);
  if (g.kv == KvType::Q8_0) return GroupAttention<Vec512, int8_t>::run(g, scratch);
  GroupAttention<Vec512, float>::run(g, scratch);
}

}  // namespace frugal::kernels
