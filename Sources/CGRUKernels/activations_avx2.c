// Sigmoid and tanh on 8-lane AVX2 vectors with fused multiply-adds (see activations_impl.h).
#include "kernels_internal.h"

#if GRU_HAVE_X86
#define GRU_VW 8
#define GRU_TARGET __attribute__((target("avx2,fma")))
#define GRU_NAME(x) x##_avx2
#define GRU_MADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "activations_impl.h"
#endif
