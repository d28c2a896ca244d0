// Which per-ISA table this CPU can run. Each ISA copy is compiled with its own -m flags, so only
// the dispatcher decides (once per backend) whether its instructions may execute here.
#include <cstring>

#include "isa.h"

namespace tessera {

namespace {

bool cpu_has(const char* isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx512") == 0) {
#ifdef TESSERA_EMULATE_AVX512
    // Development build: the avx512 copy was compiled for AVX2 so its logic can be tested here.
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return __builtin_cpu_supports("avx512f");
#endif
  }
  if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return true;  // sse2 is part of x86-64
#else
  return std::strcmp(isa, "sse") == 0;  // the portable copy
#endif
}

}  // namespace

int isa_choices(IsaChoice* out, int capacity) {
  struct Candidate {
    const char* name;
    const IsaTable* (*table)();
  };
  const Candidate candidates[] = {
#ifdef TESSERA_HAVE_AVX512
    {"avx512", isa_avx512},
#else
    {"avx512", nullptr},
#endif
#ifdef TESSERA_HAVE_AVX2
    {"avx2", isa_avx2},
#else
    {"avx2", nullptr},
#endif
    {"sse", isa_sse},
  };
  int count = 0;
  for (const Candidate& c : candidates) {
    if (count >= capacity) break;
    IsaChoice& choice = out[count++];
    choice.name = c.name;
    choice.table = nullptr;
    if (!c.table) choice.why_not = "not compiled into this build";
    else if (!cpu_has(c.name)) choice.why_not = "this CPU lacks the instructions";
    else {
      choice.table = c.table();
      choice.why_not = "";
    }
  }
  return count;
}

const IsaTable* isa_by_name(const char* name) {
  IsaChoice choices[8];
  const int count = isa_choices(choices, 8);
  for (int i = 0; i < count; i++) {
    if (std::strcmp(choices[i].name, name) == 0) return choices[i].table;
  }
  return nullptr;
}

}  // namespace tessera
