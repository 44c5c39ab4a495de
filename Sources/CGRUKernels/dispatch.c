// Chooses the implementation once per process and forwards the public entry points to it.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

static const gru_kernel_table portable_table = {
    GRU_ISA_PORTABLE, "portable",
    gru_sgemm_portable, gru_sgemm_packed_cols_portable, gru_sigmoid_portable, gru_tanh_portable, gru_step_portable,
    gru_steps_row_portable,
};

#if GRU_HAVE_X86
static const gru_kernel_table avx2_table = {
    GRU_ISA_AVX2_FMA, "avx2+fma",
    gru_sgemm_avx2, gru_sgemm_packed_cols_avx2, gru_sigmoid_avx2, gru_tanh_avx2, gru_step_avx2,
    gru_steps_row_avx2,
};
static const gru_kernel_table avx512_table = {
    GRU_ISA_AVX512, "avx512",
    gru_sgemm_avx512, gru_sgemm_packed_cols_avx512, gru_sigmoid_avx2, gru_tanh_avx2, gru_step_avx512,
    gru_steps_row_avx512,
};
#endif

int gru_kernels_isa_supported(int isa) {
    switch (isa) {
    case GRU_ISA_PORTABLE:
        return 1;
    case GRU_ISA_AVX2_FMA:
#if GRU_HAVE_X86
        // Checks the CPUID bits and that the OS saves ymm registers (XCR0).
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return 0;
#endif
    case GRU_ISA_AVX512:
#if GRU_HAVE_X86
        // The CPUID bit and that the OS saves zmm registers (checked by the runtime's probe).
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return 0;
#endif
    default:
        return 0;
    }
}

const char *gru_kernels_isa_name(int isa) {
    switch (isa) {
    case GRU_ISA_PORTABLE: return "portable";
    case GRU_ISA_AVX2_FMA: return "avx2+fma";
    case GRU_ISA_AVX512: return "avx512";
    default: return "unknown";
    }
}

const gru_kernel_table *gru_kernels_table(int isa) {
    if (!gru_kernels_isa_supported(isa)) return NULL;
#if GRU_HAVE_X86
    if (isa == GRU_ISA_AVX2_FMA) return &avx2_table;
    if (isa == GRU_ISA_AVX512) return &avx512_table;
#endif
    return isa == GRU_ISA_PORTABLE ? &portable_table : NULL;
}

int gru_kernels_isa_for(const char *setting) {
    if (setting && strcmp(setting, "portable") == 0) return GRU_ISA_PORTABLE;
    if (!(setting && strcmp(setting, "avx2") == 0) && gru_kernels_isa_supported(GRU_ISA_AVX512)) return GRU_ISA_AVX512;
    if (gru_kernels_isa_supported(GRU_ISA_AVX2_FMA)) return GRU_ISA_AVX2_FMA;
    return GRU_ISA_PORTABLE;
}

static const gru_kernel_table *active(void) {
    static _Atomic(const gru_kernel_table *) chosen = NULL;
    const gru_kernel_table *t = atomic_load_explicit(&chosen, memory_order_acquire);
    if (!t) {
        // Racing first calls compute the same answer; whichever store lands is fine.
        t = gru_kernels_table(gru_kernels_isa_for(getenv("GRUKIT_KERNELS")));
        atomic_store_explicit(&chosen, t, memory_order_release);
    }
    return t;
}

int gru_kernels_isa(void) { return active()->isa; }

void gru_sgemm(int transA, int transB, gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
               const float *B, gru_index ldb, float beta, float *C, gru_index ldc) {
    active()->sgemm(transA, transB, m, n, k, A, lda, B, ldb, beta, C, ldc);
}

void gru_sgemm_packed(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda, const float *packed,
                      float beta, float *C, gru_index ldc) {
    active()->sgemm_packed_cols(m, n, k, A, lda, packed, 0, n, beta, C, ldc);
}

void gru_sgemm_packed_cols(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                           const float *packed, gru_index n0, gru_index n1, float beta, float *C, gru_index ldc) {
    active()->sgemm_packed_cols(m, n, k, A, lda, packed, n0, n1, beta, C, ldc);
}

void gru_sigmoid(const float *x, float *y, gru_index count) { active()->sigmoid(x, y, count); }
void gru_tanh(const float *x, float *y, gru_index count) { active()->tanh(x, y, count); }

void gru_step(const gru_step_args *args, gru_index g0, gru_index g1) { active()->step(args, g0, g1); }
void gru_steps_row(const gru_step_args *args, gru_index T, int reverse, float *h) { active()->steps_row(args, T, reverse, h); }
