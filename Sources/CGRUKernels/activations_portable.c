// Sigmoid and tanh on 4-lane vectors (SSE2 / NEON), unfused (see activations_impl.h).
#include "kernels_internal.h"

#define GRU_VW 4
#define GRU_TARGET
#define GRU_NAME(x) x##_portable
#define GRU_MADD(a, b, c) gru_madd_portable(a, b, c)
typedef float gru_v4f_madd __attribute__((vector_size(16)));
// A separate product statement, so the compiler never contracts it into an FMA.
static inline __attribute__((always_inline)) gru_v4f_madd gru_madd_portable(
    gru_v4f_madd a, gru_v4f_madd b, gru_v4f_madd c) {
    gru_v4f_madd t = a * b;
    return t + c;
}
#include "activations_impl.h"
