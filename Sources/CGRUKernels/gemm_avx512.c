// The AVX-512 GEMM: the same driver, packed-B layout and arithmetic order as the AVX2 kernels,
// with one zmm register per 16-column panel. A micro-kernel call covers up to 24 accumulators
// (6 rows x 4 panels, or fewer rows x more panels, so a GEMV has 4 or 8 independent FMA
// chains: see gemv_panels). Compiled for AVX-512F by attribute only; the dispatcher calls it
// only on a CPU (and OS) that supports it. The activations are the AVX2 ones (they are not the
// bottleneck).
#include "kernels_internal.h"

#if GRU_HAVE_X86
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

#define GRU_TARGET __attribute__((target("avx512f,avx2,fma")))
#define GRU_INLINE static inline __attribute__((always_inline)) GRU_TARGET

/// Lanes of vector v (columns 16v ..< 16v + 16) that fall in [lo, hi).
GRU_INLINE __mmask16 lane_mask(gru_index lo, gru_index hi, gru_index v) {
    gru_index a = lo - 16 * v, b = hi - 16 * v;
    if (a < 0) a = 0;
    if (b > 16) b = 16;
    if (b <= a) return 0;
    return (__mmask16)(((1u << (b - a)) - 1u) << a);
}

/// The micro-kernel for MR rows and NP panels, MR * NP <= 24. MR, NP and ALAYOUT are constants
/// at every call site, so the loops unroll and acc lives in registers.
GRU_INLINE void ukernel(const int MR, const int NP, const int ALAYOUT, gru_index kc,
                        const float *restrict a, gru_index lda, const float *restrict b,
                        gru_index bps, float *restrict c, gru_index ldc, gru_index lo,
                        gru_index hi, int accumulate) {
    __m512 acc[8][8];  // MR <= 8 (the fused GRU step's tiles have 8 rows)
    const int full = lo == 0 && hi == NP * 16;
    __mmask16 mask[8];
#pragma clang loop unroll(full)
    for (int v = 0; v < NP; v++) mask[v] = lane_mask(lo, hi, v);
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < NP; v++) {
            if (!accumulate) acc[r][v] = _mm512_setzero_ps();
            else if (full) acc[r][v] = _mm512_loadu_ps(c + r * ldc + 16 * v);
            else acc[r][v] = _mm512_maskz_loadu_ps(mask[v], c + r * ldc + 16 * v);
        }
    }
    for (gru_index p = 0; p < kc; p++) {
        __m512 bv[8];
#pragma clang loop unroll(full)
        for (int q = 0; q < NP; q++) bv[q] = _mm512_loadu_ps(b + q * bps + p * GRU_NR);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            const float *ar = ALAYOUT == GRU_A_ROWS         ? a + r * lda + p
                              : ALAYOUT == GRU_A_TRANSPOSED ? a + p * lda + r
                                                            : a + p * MR + r;
            __m512 av = _mm512_set1_ps(*ar);
#pragma clang loop unroll(full)
            for (int v = 0; v < NP; v++) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++) {
#pragma clang loop unroll(full)
        for (int v = 0; v < NP; v++) {
            if (full) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
            else _mm512_mask_storeu_ps(c + r * ldc + 16 * v, mask[v], acc[r][v]);
        }
    }
}

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
UK(1, 1) UK(1, 2) UK(1, 3) UK(1, 4) UK(1, 5) UK(1, 6) UK(1, 7) UK(1, 8)
UK(2, 1) UK(2, 2) UK(2, 3) UK(2, 4) UK(2, 5) UK(2, 6) UK(2, 7) UK(2, 8)
UK(3, 1) UK(3, 2) UK(3, 3) UK(3, 4) UK(3, 5) UK(3, 6) UK(3, 7) UK(3, 8)
UK(4, 1) UK(4, 2) UK(4, 3) UK(4, 4) UK(4, 5) UK(4, 6)
UK(5, 1) UK(5, 2) UK(5, 3) UK(5, 4)
UK(6, 1) UK(6, 2) UK(6, 3) UK(6, 4)

// The fused GRU step also takes tiles of 7 and 8 rows x up to 3 panels (24 accumulators with 32
// zmm registers), so a batch of 32 or 64 rows is whole 8-row blocks (with 6-row blocks,
// 64 = 10 x 6 + 4 leaves a short block); the GEMM driver uses rows up to GRU_MR.
UK(7, 1) UK(7, 2) UK(7, 3) UK(8, 1) UK(8, 2) UK(8, 3)

typedef void (*ukernel_fn)(gru_index, const float *, int, gru_index, const float *, gru_index,
                           float *, gru_index, gru_index, gru_index, int);
// [mr - 1][np - 1]; np is at most np_max[mr - 1] (mr * np <= 24 accumulators).
static const ukernel_fn ukernels[8][8] = {
    {uk_1x1, uk_1x2, uk_1x3, uk_1x4, uk_1x5, uk_1x6, uk_1x7, uk_1x8},
    {uk_2x1, uk_2x2, uk_2x3, uk_2x4, uk_2x5, uk_2x6, uk_2x7, uk_2x8},
    {uk_3x1, uk_3x2, uk_3x3, uk_3x4, uk_3x5, uk_3x6, uk_3x7, uk_3x8},
    {uk_4x1, uk_4x2, uk_4x3, uk_4x4, uk_4x5, uk_4x6, 0, 0},
    {uk_5x1, uk_5x2, uk_5x3, uk_5x4, 0, 0, 0, 0},
    {uk_6x1, uk_6x2, uk_6x3, uk_6x4, 0, 0, 0, 0},
    {uk_7x1, uk_7x2, uk_7x3, 0, 0, 0, 0, 0},
    {uk_8x1, uk_8x2, uk_8x3, 0, 0, 0, 0, 0},
};
static const gru_index np_max[8] = {8, 8, 8, 6, 4, 4, 3, 3};
_Static_assert(GRU_MR <= 8, "the table holds micro-kernels of up to 8 rows");

#define GRU_NAME(x) x##_avx512
#define GRU_NP_MAX(mr) np_max[(mr) - 1]
#define GRU_UKERNEL(mr, np, kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc) \
    ukernels[(mr) - 1][(np) - 1](kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc)
#define GRU_SMADD(a, b, c) __builtin_fmaf(a, b, c)
#include "gemm_driver.h"

/// Panels a micro-kernel call takes for one row (a GEMV, bound by reading its weights from
/// L2): 8 on AMD's Zen 5 and later (CPU family 26 and up), whose full-width 512-bit pipes
/// leave 4 independent chains bound by the multiply-add latency (D inference on one Zen 5 core,
/// four alternating rounds: 1.75-2.07 ms against 2.22-2.34 with 4; 6 ran as 8); 4 elsewhere,
/// where 8 weight streams from L2 run slower than 4 (an Ice Lake core: 4 5-10 % faster; a Zen
/// 4 core, D inference, four alternating rounds: 2.32-2.34 ms against 2.45-2.51 with 8). The
/// same chains either way, so the same bits.
static gru_index gemv_panels(void) {
    static _Atomic gru_index chosen = 0;  // racing first calls compute the same answer
    gru_index n = atomic_load_explicit(&chosen, memory_order_relaxed);
    if (n == 0) {
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        n = 4;
        if (__builtin_cpu_is("amd") && __get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
            const unsigned base = (eax >> 8) & 0xf, family = base == 0xf ? base + ((eax >> 20) & 0xff) : base;
            if (family >= 26) n = 8;
        }
        atomic_store_explicit(&chosen, n, memory_order_relaxed);
    }
    return n;
}

#define GRU_STEP_MR 8
#define GRU_STEP_NP_MAX(mr) ((mr) == 1 ? gemv_panels() : np_max[(mr) - 1])
#define GRU_STEP_UKERNEL(mr, np, kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc) \
    ukernels[(mr) - 1][(np) - 1](kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc)

#undef UK

#define GRU_INLINE_UKERNEL 1

#define GRU_VW 16
#define GRU_MADD(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "gru_step_impl.h"

#endif // GRU_HAVE_X86
