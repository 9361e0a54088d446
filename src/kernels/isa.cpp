// ISA names and run-time CPU feature detection.
#include "base/error.h"
#include "kernels/matmul.h"

namespace frugal::kernels {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Reference: return "reference";
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Auto: return "auto";
  }
  return "?";
}

Isa isa_from_name(const std::string& name) {
  for (Isa i : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Auto})
    if (name == isa_name(i)) return i;
  fail("unknown kernel ISA '{}' (expected reference, scalar, avx2, avx512 or auto)", name);
}

bool cpu_supports(Isa isa) {
  __builtin_cpu_init();
  // Every feature the ISA's translation units are compiled with must be present.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
  switch (isa) {
    case Isa::Reference:
    case Isa::Scalar:
    case Isa::Auto: return true;
    case Isa::Avx2: return avx2;
    case Isa::Avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
             __builtin_cpu_supports("avx512vnni");
      // avx512/ is also compiled with -mavx512bf16 -mavxvnni, but its files switch both off
      // with #pragma GCC target, so Zen 4 / Ice Lake class CPUs qualify.
  }
  return false;
}

Isa detect_best_isa() {
  if (cpu_supports(Isa::Avx512)) return Isa::Avx512;
  if (cpu_supports(Isa::Avx2)) return Isa::Avx2;
  return Isa::Scalar;
}

}  // namespace frugal::kernels
