// The single-core FMA peak, measured: independent multiply-add chains in registers, long
// enough that their latency is hidden, timed with the monotonic clock. `gru bench` prints it so
// efficiency is a ratio within one run on the machine at hand.
#include "kernels_internal.h"

#include <time.h>

#if GRU_HAVE_X86
#include <immintrin.h>

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define CHAINS 24

__attribute__((target("avx2,fma"), noinline)) static double peak_avx2(long iterations) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    double start = seconds_now();
    for (long it = 0; it < iterations; it++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[CHAINS - 1]));
    }
    double elapsed = seconds_now() - start;
    float sink = 0;
    for (int i = 0; i < CHAINS; i++) sink += _mm256_cvtss_f32(acc[i]);
    __asm__ volatile("" ::"x"(sink));
    return (double)iterations * CHAINS * 8 * 2 / elapsed / 1e9;
}

__attribute__((target("avx512f"), noinline)) static double peak_avx512(long iterations) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    double start = seconds_now();
    for (long it = 0; it < iterations; it++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[CHAINS - 1]));
    }
    double elapsed = seconds_now() - start;
    float sink = 0;
    for (int i = 0; i < CHAINS; i++) sink += _mm512_reduce_add_ps(acc[i]);
    __asm__ volatile("" ::"x"(sink));
    return (double)iterations * CHAINS * 16 * 2 / elapsed / 1e9;
}
#endif

double gru_fma_peak_gflops(int isa) {
#if GRU_HAVE_X86
    if (!gru_kernels_isa_supported(isa)) return 0;
    double best = 0;
    for (int trial = 0; trial < 5; trial++) {  // the best of five short runs: noise only slows
        double g = isa == GRU_ISA_AVX512 ? peak_avx512(2000000) : isa == GRU_ISA_AVX2_FMA ? peak_avx2(2000000) : 0;
        if (g > best) best = g;
    }
    return best;
#else
    (void)isa;
    return 0;
#endif
}
