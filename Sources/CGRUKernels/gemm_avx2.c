// The AVX2 + FMA GEMM: 6 x 16 register-blocked micro-kernel (12 ymm accumulators) plus
// narrow-row variants that cover several panels, so that m = 1 (GEMV) and m = 2 still keep
// 8 independent FMA chains in flight. Compiled for AVX2 + FMA by attribute only; the
// dispatcher calls it only on a CPU that has both.
#include "kernels_internal.h"

#if GRU_HAVE_X86
#include <immintrin.h>

#define GRU_TARGET __attribute__((target("avx2,fma")))
#define GRU_INLINE static inline __attribute__((always_inline)) GRU_TARGET

/// Lanes base..base+7 that fall in [lo, hi), as a maskload / maskstore mask.
GRU_INLINE __m256i lane_mask(gru_index lo, gru_index hi, gru_index base) {
    __m256i idx = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                   _mm256_set1_epi32((int)base));
    __m256i ge = _mm256_cmpgt_epi32(idx, _mm256_set1_epi32((int)lo - 1));
    __m256i lt = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), idx);
    return _mm256_and_si256(ge, lt);
}

/// The micro-kernel for MR rows and NP panels (2 * NP vectors per row), MR * 2 * NP <= 12.
/// MR, NP and ALAYOUT (a GRU_A_* layout) are constants at every call site, so the loops unroll
/// and acc lives in registers.
GRU_INLINE void ukernel(const int MR, const int NP, const int ALAYOUT, gru_index kc,
                        const float *restrict a, gru_index lda, const float *restrict b,
                        gru_index bps, float *restrict c, gru_index ldc, gru_index lo,
                        gru_index hi, int accumulate) {
    __m256 acc[GRU_MR][8];
    const int NV = 2 * NP;
    const int full = lo == 0 && hi == NV * 8;
    __m256i mask[8];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) mask[v] = lane_mask(lo, hi, 8 * v);

#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) {
            if (!accumulate) {
                acc[r][v] = _mm256_setzero_ps();
            } else if (full) {
                acc[r][v] = _mm256_loadu_ps(c + r * ldc + 8 * v);
            } else {
                acc[r][v] = _mm256_maskload_ps(c + r * ldc + 8 * v, mask[v]);
            }
        }
    }

    for (gru_index p = 0; p < kc; p++) {
        __m256 bv[8];
#pragma clang loop unroll(full)
        for (int q = 0; q < NP; q++) {
            bv[2 * q] = _mm256_loadu_ps(b + q * bps + p * GRU_NR);
            bv[2 * q + 1] = _mm256_loadu_ps(b + q * bps + p * GRU_NR + 8);
        }
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            const float *ar = ALAYOUT == GRU_A_ROWS         ? a + r * lda + p
                              : ALAYOUT == GRU_A_TRANSPOSED ? a + p * lda + r
                                                            : a + p * MR + r;
            __m256 av = _mm256_broadcast_ss(ar);
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }

#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) {
            if (full) {
                _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]);
            } else {
                _mm256_maskstore_ps(c + r * ldc + 8 * v, mask[v], acc[r][v]);
            }
        }
    }
}

// 64-byte aligned so the hot loops sit at the same offset from a cache line in every binary:
// placement alone moved one shape between 85 and 105 GFLOP/s.
#define UK(MR, NP)                                                                            \
    static __attribute__((noinline, aligned(64))) GRU_TARGET void uk_##MR##x##NP(             \
        gru_index kc, const float *a, int alayout, gru_index lda, const float *b,             \
        gru_index bps, float *c, gru_index ldc, gru_index lo, gru_index hi, int acc) {        \
        switch (alayout) {                                                                    \
        case GRU_A_ROWS:                                                                      \
            ukernel(MR, NP, GRU_A_ROWS, kc, a, lda, b, bps, c, ldc, lo, hi, acc);             \
            break;                                                                            \
        case GRU_A_TRANSPOSED:                                                                \
            ukernel(MR, NP, GRU_A_TRANSPOSED, kc, a, lda, b, bps, c, ldc, lo, hi, acc);       \
            break;                                                                            \
        default:                                                                              \
            ukernel(MR, NP, GRU_A_PACKED, kc, a, 0, b, bps, c, ldc, lo, hi, acc);             \
            break;                                                                            \
        }                                                                                     \
    }
UK(6, 1) UK(5, 1) UK(4, 1) UK(3, 1) UK(3, 2) UK(2, 1) UK(2, 2) UK(1, 1) UK(1, 2) UK(1, 3) UK(1, 4)
#undef UK

typedef void (*ukernel_fn)(gru_index, const float *, int, gru_index, const float *, gru_index,
                           float *, gru_index, gru_index, gru_index, int);
// [mr - 1][np - 1]; np is at most NP_MAX(mr).
static const ukernel_fn ukernels[GRU_MR][4] = {
    {uk_1x1, uk_1x2, uk_1x3, uk_1x4},
    {uk_2x1, uk_2x2, 0, 0},
    {uk_3x1, uk_3x2, 0, 0},
    {uk_4x1, 0, 0, 0},
    {uk_5x1, 0, 0, 0},
    {uk_6x1, 0, 0, 0},
};
static const gru_index np_max[GRU_MR] = {4, 2, 2, 1, 1, 1};

#define GRU_NAME(x) x##_avx2
#define GRU_NP_MAX(mr) np_max[(mr) - 1]
#define GRU_UKERNEL(mr, np, kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc) \
    ukernels[(mr) - 1][(np) - 1](kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc)
#define GRU_SMADD(a, b, c) __builtin_fmaf(a, b, c)
#include "gemm_driver.h"

#define GRU_INLINE_UKERNEL 1
#define GRU_VW 8
#define GRU_MADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "gru_step_impl.h"

#endif // GRU_HAVE_X86
