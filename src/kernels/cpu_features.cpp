// CPU feature detection and the TTQ_ISA cap (docs/DESIGN.md §6). Computed once.
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/error.h"
#include "kernels/gemm_f32.h"
#include "kernels/gemm_u8s8.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TTQ_X86 1
#endif
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace ttq::kernels {
namespace {

constexpr int kLevels = static_cast<int>(Isa::amx_int8) + 1;

struct CpuLevels {
  bool level[kLevels] = {true};  // scalar always
};

#ifdef TTQ_X86
// xgetbv via inline asm so this file needs no -mxsave.
uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

#ifdef TTQ_KERNELS_AMX
// Linux hands out the 8 KB tile-data state only to processes that ask for it (5.16+);
// without the permission the first tile instruction faults. Process-wide, asked once
// (detect() runs inside a function-local static). Elsewhere: not supported.
bool request_amx_permission() {
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
#else
  return false;
#endif
}
#endif

CpuLevels detect() {
  CpuLevels out;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return out;
  const bool osxsave = ecx & (1u << 27);
  const bool avx = ecx & (1u << 28);
  const bool fma = ecx & (1u << 12);
  if (!osxsave || !avx) return out;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // XMM and YMM state saved by the OS
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;  // plus opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_ymm) return out;

  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return out;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = ebx & (1u << 5);
  const bool avx512f = ebx & (1u << 16);
  const bool avx512bw = ebx & (1u << 30);
  const bool avx512vl = ebx & (1u << 31);
  const bool avx512vnni = ecx & (1u << 11);
  const bool amx_tile = edx & (1u << 24);
  const bool amx_int8 = edx & (1u << 25);
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;  // XTILECFG (17) and XTILEDATA (18) enabled
  const unsigned subleaves = eax;
  bool avxvnni = false;
  if (subleaves >= 1) {
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    avxvnni = eax & (1u << 4);
  }
  const bool base = avx2 && fma;
  out.level[static_cast<int>(Isa::avx2)] = base;
  out.level[static_cast<int>(Isa::avx_vnni)] = base && avxvnni;
  out.level[static_cast<int>(Isa::avx512_vnni)] =
      base && os_zmm && avx512f && avx512bw && avx512vl && avx512vnni;
#ifdef TTQ_KERNELS_AMX  // only where this build has the kernel, so active_isa() names a runnable one
  out.level[static_cast<int>(Isa::amx_int8)] = out.level[static_cast<int>(Isa::avx512_vnni)] && amx_tile &&
                                               amx_int8 && os_amx && request_amx_permission();
#else
  (void)amx_tile, (void)amx_int8, (void)os_amx;
#endif
  return out;
}
#else
CpuLevels detect() { return CpuLevels{}; }
#endif

const CpuLevels& levels() {
  static const CpuLevels cached = detect();  // magic static: thread-safe, once
  return cached;
}

Isa compute_active() {
  Isa cap = Isa::amx_int8;
  if (const char* env = std::getenv("TTQ_ISA"); env != nullptr && env[0] != '\0') {
    if (!parse_isa(env, &cap)) {
      throw ArgumentError(std::string("TTQ_ISA=") + env + " is not a known instruction set level",
                          "use one of scalar, avx2, avx_vnni, avx512_vnni, amx_int8, or unset it");
    }
  }
  for (int l = static_cast<int>(cap); l > 0; --l) {
    if (levels().level[l]) return static_cast<Isa>(l);
  }
  return Isa::scalar;
}

}  // namespace

double peak_macs_per_cycle(Isa isa) {
  switch (isa) {
    case Isa::avx2: return 64;
    case Isa::avx_vnni: return 64;
    case Isa::avx512_vnni: return 128;
    case Isa::amx_int8: return 1024;
    default: return 0;
  }
}

double peak_f32_macs_per_cycle(Isa isa) {
  if (isa == Isa::scalar) return 0;
  return isa >= Isa::avx512_vnni ? 32 : 16;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx_vnni: return "avx_vnni";
    case Isa::avx512_vnni: return "avx512_vnni";
    case Isa::amx_int8: return "amx_int8";
  }
  return "unknown";
}

bool parse_isa(const char* text, Isa* out) {
  if (text == nullptr) return false;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx_vnni, Isa::avx512_vnni, Isa::amx_int8}) {
    if (std::strcmp(text, isa_name(isa)) == 0) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool cpu_supports(Isa isa) {
  const int l = static_cast<int>(isa);
  return l >= 0 && l < kLevels && levels().level[l];
}

Isa active_isa() {
  static const Isa active = compute_active();
  return active;
}

}  // namespace ttq::kernels
