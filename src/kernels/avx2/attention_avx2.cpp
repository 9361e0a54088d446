// AVX2 + FMA instance of the grouped decode attention (kernels/x86/attention_impl.h).
#include "kernels/x86/attention_impl.h"

namespace frugal::kernels {

void attend_group_avx2(const HeadGroup& g, float* scratch) { GroupAttention<Vec256>::run(g, scratch); }

}  // namespace frugal::kernels
