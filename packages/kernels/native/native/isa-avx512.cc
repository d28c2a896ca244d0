// The avx512 copy of the per-ISA routines (see isa-impl.inc): 64-byte vectors, 14-row register tile.
#define TESSERA_ISA_NS avx512
#define TESSERA_ISA_NAME "avx512"
#define TESSERA_ISA_FN isa_avx512
#define VB 64
#define MR 14
#include "isa-impl.inc"
