// Packing of B into the layout described in kernels_internal.h, shared by every implementation
#define _POSIX_C_SOURCE 200112L  // posix_memalign
// (so a packed B made on one path is valid on the other), and small helpers.
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

typedef float v4f __attribute__((vector_size(16)));

static inline v4f load4(const float *p) {
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store4(float *p, v4f v) { memcpy(p, &v, sizeof v); }

void gru_pack_b_block(int transB, gru_index n, const float *B, gru_index ldb,
                      gru_index p0, gru_index kc, gru_index j0, gru_index j1, float *dst) {
    for (gru_index j = j0; j < j1; j++) {
        float *panel = dst + (j - j0) * kc * GRU_NR;
        gru_index c0 = j * GRU_NR;
        gru_index width = n - c0 < GRU_NR ? n - c0 : GRU_NR;
        if (!transB) {
            // op(B)[p][c] = B[p * ldb + c]: copy 16 contiguous floats per row.
            const float *src = B + p0 * ldb + c0;
            for (gru_index p = 0; p < kc; p++) {
                float *row = panel + p * GRU_NR;
                if (width == GRU_NR) {
                    memcpy(row, src + p * ldb, GRU_NR * sizeof(float));
                } else {
                    for (gru_index c = 0; c < width; c++) row[c] = src[p * ldb + c];
                    for (gru_index c = width; c < GRU_NR; c++) row[c] = 0;
                }
            }
        } else {
            // op(B)[p][c] = B[c * ldb + p]: each of the 16 columns is a contiguous row of B.
            // Transpose 4 x 4 blocks in registers, then the leftover rows and columns singly.
            const float *src = B + c0 * ldb + p0;
            gru_index c = 0;
            for (; c + 4 <= width; c += 4) {
                gru_index p = 0;
                for (; p + 4 <= kc; p += 4) {
                    v4f r0 = load4(src + c * ldb + p), r1 = load4(src + (c + 1) * ldb + p);
                    v4f r2 = load4(src + (c + 2) * ldb + p), r3 = load4(src + (c + 3) * ldb + p);
                    v4f t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5);  // r0[0] r1[0] r0[1] r1[1]
                    v4f t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
                    v4f t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5);
                    v4f t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
                    store4(panel + p * GRU_NR + c, __builtin_shufflevector(t0, t2, 0, 1, 4, 5));
                    store4(panel + (p + 1) * GRU_NR + c, __builtin_shufflevector(t0, t2, 2, 3, 6, 7));
                    store4(panel + (p + 2) * GRU_NR + c, __builtin_shufflevector(t1, t3, 0, 1, 4, 5));
                    store4(panel + (p + 3) * GRU_NR + c, __builtin_shufflevector(t1, t3, 2, 3, 6, 7));
                }
                for (; p < kc; p++) {
                    for (gru_index q = c; q < c + 4; q++) panel[p * GRU_NR + q] = src[q * ldb + p];
                }
            }
            for (; c < width; c++) {
                for (gru_index p = 0; p < kc; p++) panel[p * GRU_NR + c] = src[c * ldb + p];
            }
            for (c = width; c < GRU_NR; c++) {
                for (gru_index p = 0; p < kc; p++) panel[p * GRU_NR + c] = 0;
            }
        }
    }
}

size_t gru_sgemm_packed_size(gru_index n, gru_index k) {
    if (n <= 0 || k <= 0) return 0;
    return (size_t)k * (size_t)gru_panels(n) * GRU_NR * sizeof(float);
}

void gru_sgemm_pack_b(int transB, gru_index n, gru_index k, const float *B, gru_index ldb, float *packed) {
    if (n <= 0 || k <= 0) return;
    gru_index panels = gru_panels(n);
    for (gru_index b = 0, nb = gru_kblocks(k); b < nb; b++) {
        gru_index p0, kc;
        gru_kblock(k, b, &p0, &kc);
        gru_pack_b_block(transB, n, B, ldb, p0, kc, 0, panels, packed + p0 * panels * GRU_NR);
    }
}

void gru_scale_columns(gru_index m, gru_index n0, gru_index n1, float beta, float *C, gru_index ldc) {
    for (gru_index i = 0; i < m; i++) {
        float *row = C + i * ldc;
        if (beta == 0) {
            for (gru_index j = n0; j < n1; j++) row[j] = 0;
        } else {
            for (gru_index j = n0; j < n1; j++) row[j] *= beta;
        }
    }
}

float *gru_alloc_floats(size_t count) {
    void *p = NULL;
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    return (float *)p;
}

void gru_free_floats(float *p) { free(p); }
