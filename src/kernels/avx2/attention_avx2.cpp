// AVX2 + FMA instance of the grouped decode attention (kernels/x86/attention_impl.h).
#include "kernels/x86/attention_impl.h"

namespace frugal::kernels {

void attend_group_avx2(const HeadGroup& g, float* scratch) {
  if (g.kv == KvType::F16) return GroupAttention<Vec256, uint16_t>::run(g, scratch);
  if (g.kv == KvType::Q8_0) return GroupAttention<Vec256, int8_t>::run(g, scratch);
  GroupAttention<Vec256, float>::run(g, scratch);
}

}  // namespace frugal::kernels
