// The avx2 copy of the per-ISA routines (see isa-impl.inc): 32-byte vectors, 6-row register tile.
#define TESSERA_ISA_NS avx2
#define TESSERA_ISA_NAME "avx2"
#define TESSERA_ISA_FN isa_avx2
#define VB 32
#define MR 6
#include "isa-impl.inc"
