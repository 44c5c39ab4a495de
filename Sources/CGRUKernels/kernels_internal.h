// Shared by the implementations: the blocking constants, the packed-B layout, the packing
// routines, and the per-implementation entry points the dispatcher selects from.
#ifndef CGRUKERNELS_INTERNAL_H
#define CGRUKERNELS_INTERNAL_H

#include "CGRUKernels.h"

#if defined(__x86_64__) || defined(_M_X64)
#define GRU_HAVE_X86 1
#else
#define GRU_HAVE_X86 0
#endif

// Register blocking: the micro-kernel computes an MR x NR tile of C (6 x 16: 12 ymm accumulators).
#define GRU_MR 6
#define GRU_NR 16
// Cache blocking. k is cut into ceil(k / GRU_KC) balanced blocks of at most GRU_KC, so an A
// micro-panel (6 x kc) and a B micro-panel (kc x 16) stay in L1 (6 KB + 16 KB at kc = 256);
// columns are cut into blocks of GRU_NC_PANELS panels, so one B block (kc x 256 floats,
// 256 KB) stays in L2 while every row panel of A streams past it.
#define GRU_KC 256
#define GRU_NC_PANELS 16

// How a micro-kernel reads its MR x kc slice of op(A), element (r, p):
enum {
    GRU_A_PACKED = 0,      // a[p * MR + r]: packed on the stack by the driver
    GRU_A_ROWS = 1,        // a[r * lda + p]: A (m, k) read in place
    GRU_A_TRANSPOSED = 2,  // a[p * lda + r]: A stored (k, m), read in place
};
// Transposed A is read in place when a B block has at most this many panels (n <= 128):
// with few panels to reuse it, packing A costs more than the strided reads (dW_ih = dG^T X
// at n = 64: 86 -> 104 GFLOP/s); with 16 panels packing is as fast or faster.
#define GRU_TRANSPOSED_A_IN_PLACE_PANELS 8

// The packed layout of op(B) (k, n), used by gru_sgemm internally and by gru_sgemm_pack_b:
// for each k block [p0, p0 + kc): for each panel j of 16 columns: kc rows of 16 floats,
// row p at (p0 * panels + j * kc + p) * 16, columns past n zero. So k block b starts at
// p0 * panels * 16 and its panels are kc * 16 floats apart.
static inline gru_index gru_panels(gru_index n) { return (n + GRU_NR - 1) / GRU_NR; }
static inline gru_index gru_kblocks(gru_index k) { return (k + GRU_KC - 1) / GRU_KC; }

/// The b-th of gru_kblocks(k) balanced k blocks: rows [*p0, *p0 + *kc).
static inline void gru_kblock(gru_index k, gru_index b, gru_index *p0, gru_index *kc) {
    gru_index nb = gru_kblocks(k), base = k / nb, rem = k % nb;
    *kc = base + (b < rem ? 1 : 0);
    *p0 = b * base + (b < rem ? b : rem);
}

/// Packs panels [j0, j1) of op(B) rows [p0, p0 + kc) into `dst` (panel j0 first, kc * 16 apart).
void gru_pack_b_block(int transB, gru_index n, const float *B, gru_index ldb,
                      gru_index p0, gru_index kc, gru_index j0, gru_index j1, float *dst);

/// C[i, j] = beta * C[i, j] (beta = 0: C[i, j] = 0) for i < m, n0 <= j < n1.
void gru_scale_columns(gru_index m, gru_index n0, gru_index n1, float beta, float *C, gru_index ldc);

/// 64-byte aligned allocation and its release (NULL on failure).
float *gru_alloc_floats(size_t count);
void gru_free_floats(float *p);

// The implementations.
void gru_sgemm_portable(int transA, int transB, gru_index m, gru_index n, gru_index k,
                        const float *A, gru_index lda, const float *B, gru_index ldb,
                        float beta, float *C, gru_index ldc);
void gru_sgemm_packed_cols_portable(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                                    const float *packed, gru_index n0, gru_index n1,
                                    float beta, float *C, gru_index ldc);
void gru_sigmoid_portable(const float *x, float *y, gru_index count);
void gru_tanh_portable(const float *x, float *y, gru_index count);

void gru_step_portable(const gru_step_args *args, gru_index g0, gru_index g1);
void gru_steps_row_portable(const gru_step_args *args, gru_index T, int reverse, float *h);

#if GRU_HAVE_X86
void gru_step_avx2(const gru_step_args *args, gru_index g0, gru_index g1);
void gru_step_avx512(const gru_step_args *args, gru_index g0, gru_index g1);
void gru_steps_row_avx2(const gru_step_args *args, gru_index T, int reverse, float *h);
void gru_steps_row_avx512(const gru_step_args *args, gru_index T, int reverse, float *h);
void gru_sgemm_avx2(int transA, int transB, gru_index m, gru_index n, gru_index k,
                    const float *A, gru_index lda, const float *B, gru_index ldb,
                    float beta, float *C, gru_index ldc);
void gru_sgemm_packed_cols_avx2(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                                const float *packed, gru_index n0, gru_index n1,
                                float beta, float *C, gru_index ldc);
void gru_sigmoid_avx2(const float *x, float *y, gru_index count);
void gru_tanh_avx2(const float *x, float *y, gru_index count);
void gru_sgemm_avx512(int transA, int transB, gru_index m, gru_index n, gru_index k,
                      const float *A, gru_index lda, const float *B, gru_index ldb,
                      float beta, float *C, gru_index ldc);
void gru_sgemm_packed_cols_avx512(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                                  const float *packed, gru_index n0, gru_index n1,
                                  float beta, float *C, gru_index ldc);
#endif

#endif // CGRUKERNELS_INTERNAL_H
