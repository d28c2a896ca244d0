// The sse copy of the per-ISA routines (see isa-impl.inc): 16-byte vectors, 6-row register tile.
#define TESSERA_ISA_NS sse
#define TESSERA_ISA_NAME "sse"
#define TESSERA_ISA_FN isa_sse
#define VB 16
#define MR 6
#include "isa-impl.inc"
