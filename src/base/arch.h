// The target architecture, for the few places that name one architecture's code: each
// architecture compiles only its own kernel folders (x86: avx2/, avx512/; ARM64: neon/), and
// the dispatch code names their entry points under these macros.
#pragma once

#if defined(__x86_64__)
#define FRUGAL_X86 1
#else
#define FRUGAL_X86 0
#endif

#if defined(__aarch64__)
#define FRUGAL_ARM64 1
#else
#define FRUGAL_ARM64 0
#endif

namespace frugal {

// A hint to the core inside a spin-wait loop.
inline void cpu_relax() {
#if FRUGAL_X86
  __builtin_ia32_pause();
#elif FRUGAL_ARM64
  __asm__ __volatile__("isb");
#endif
}

}  // namespace frugal
