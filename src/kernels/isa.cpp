// ISA names and run-time CPU feature detection.
#include "base/arch.h"
#include "base/error.h"
#include "kernels/matmul.h"

#if FRUGAL_ARM64
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace frugal::kernels {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Reference: return "reference";
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Neon: return "neon";
    case Isa::Auto: return "auto";
  }
  return "?";
}

Isa isa_from_name(const std::string& name) {
  for (Isa i : {Isa::Reference, Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Neon, Isa::Auto})
    if (name == isa_name(i)) return i;
  fail("unknown kernel ISA '{}' (expected reference, scalar, avx2, avx512, neon or auto)", name);
}

namespace {

#if FRUGAL_X86
bool x86_supports(Isa isa) {
  __builtin_cpu_init();
  // Every feature the ISA's translation units are compiled with must be present.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c") && __builtin_cpu_supports("bmi2");
  if (isa == Isa::Avx2) return avx2;
  // avx512/ is also compiled with -mavx512bf16 -mavxvnni, but its files switch both off with
  // #pragma GCC target, so Zen 4 / Ice Lake class CPUs qualify.
  return isa == Isa::Avx512 && avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vnni");
}
#endif

}  // namespace

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::Reference:
    case Isa::Scalar:
    case Isa::Auto: return true;
    case Isa::Avx2:
    case Isa::Avx512:
#if FRUGAL_X86
      return x86_supports(isa);
#else
      return false;
#endif
    case Isa::Neon:
#if FRUGAL_ARM64
      // neon/ is compiled for Armv8.2-A with the dot-product extension.
      return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
      return false;
#endif
  }
  return false;
}

Isa detect_best_isa() {
  for (Isa i : {Isa::Avx512, Isa::Avx2, Isa::Neon})
    if (cpu_supports(i)) return i;
  return Isa::Scalar;
}

}  // namespace frugal::kernels
