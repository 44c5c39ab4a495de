// The portable GEMM: the same driver and packed layout as the AVX2 path, with a micro-kernel
// in 4-wide vector extensions (SSE2 on any x86-64, NEON on arm64). The 16-column tile is done
// as two 8-column halves so 6 x 2 accumulators fit in 16 SSE registers. Multiplies and adds
// are written as separate operations, so this path is also the unfused-arithmetic reference.
#include <string.h>

#include "kernels_internal.h"

typedef float v4f __attribute__((vector_size(16)));

#define GRU_INLINE static inline __attribute__((always_inline))

GRU_INLINE v4f load4(const float *p) {
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

GRU_INLINE void store4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

GRU_INLINE void ukernel(const int MR, gru_index kc, const float *restrict a, int alayout,
                        gru_index lda, const float *restrict b, float *restrict c, gru_index ldc,
                        gru_index lo, gru_index hi, int accumulate) {
    // Element (r, p) of A is a[p * acs + r * ars] (see the GRU_A_* layouts).
    const gru_index ars = alayout == GRU_A_ROWS ? lda : 1;
    const gru_index acs = alayout == GRU_A_ROWS ? 1 : alayout == GRU_A_TRANSPOSED ? lda : MR;
    for (int h = 0; h < GRU_NR; h += 8) {
        if (hi <= h || lo >= h + 8) continue;
        const int full = lo <= h && hi >= h + 8;
        v4f acc[GRU_MR][2];
        for (int r = 0; r < MR; r++) {
            if (!accumulate) {
                acc[r][0] = acc[r][1] = (v4f){0, 0, 0, 0};
            } else if (full) {
                acc[r][0] = load4(c + r * ldc + h);
                acc[r][1] = load4(c + r * ldc + h + 4);
            } else {
                float t[8] = {0};
                for (int j = 0; j < 8; j++) {
                    if (h + j >= lo && h + j < hi) t[j] = c[r * ldc + h + j];
                }
                acc[r][0] = load4(t);
                acc[r][1] = load4(t + 4);
            }
        }
        for (gru_index p = 0; p < kc; p++) {
            v4f b0 = load4(b + p * GRU_NR + h), b1 = load4(b + p * GRU_NR + h + 4);
            for (int r = 0; r < MR; r++) {
                v4f av = (v4f){0, 0, 0, 0} + a[p * acs + r * ars];
                v4f t0 = av * b0, t1 = av * b1;  // separate statements: never contracted to FMA
                acc[r][0] += t0;
                acc[r][1] += t1;
            }
        }
        for (int r = 0; r < MR; r++) {
            if (full) {
                store4(c + r * ldc + h, acc[r][0]);
                store4(c + r * ldc + h + 4, acc[r][1]);
            } else {
                float t[8];
                store4(t, acc[r][0]);
                store4(t + 4, acc[r][1]);
                for (int j = 0; j < 8; j++) {
                    if (h + j >= lo && h + j < hi) c[r * ldc + h + j] = t[j];
                }
            }
        }
    }
}

#define UK(MR)                                                                                \
    static __attribute__((noinline)) void uk_##MR(gru_index kc, const float *a, int alayout,   \
                                                  gru_index lda, const float *b, float *c,    \
                                                  gru_index ldc, gru_index lo, gru_index hi,  \
                                                  int acc) {                                  \
        ukernel(MR, kc, a, alayout, lda, b, c, ldc, lo, hi, acc);                             \
    }
UK(1) UK(2) UK(3) UK(4) UK(5) UK(6)
#undef UK

typedef void (*ukernel_fn)(gru_index, const float *, int, gru_index, const float *, float *,
                           gru_index, gru_index, gru_index, int);
static const ukernel_fn ukernels[GRU_MR] = {uk_1, uk_2, uk_3, uk_4, uk_5, uk_6};

#define GRU_TARGET
#define GRU_NAME(x) x##_portable
#define GRU_NP_MAX(mr) 1
#define GRU_UKERNEL(mr, np, kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc) \
    ukernels[(mr) - 1](kc, a, alayout, lda, b, c, ldc, lo, hi, acc)
/// a * b + c as the micro-kernel rounds it: the product, then the sum (separate statements,
/// never contracted to an FMA).
static inline float smadd_portable(float a, float b, float c) {
    const float t = a * b;
    return c + t;
}
#define GRU_SMADD(a, b, c) smadd_portable(a, b, c)
#include "gemm_driver.h"

#define GRU_VW 4
// A separate product statement, so the compiler never contracts it into an FMA.
static inline __attribute__((always_inline)) v4f gru_madd_portable(v4f a, v4f b, v4f c) {
    v4f t = a * b;
    return t + c;
}
#define GRU_MADD(a, b, c) gru_madd_portable(a, b, c)
#include "gru_step_impl.h"
