// Packing of B into the layout described in kernels_internal.h, shared by every implementation
#define _POSIX_C_SOURCE 200112L  // posix_memalign
// (so a packed B made on one path is valid on the other), and small helpers.
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

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
            for (gru_index c = 0; c < width; c++) {
                const float *src = B + (c0 + c) * ldb + p0;
                for (gru_index p = 0; p < kc; p++) panel[p * GRU_NR + c] = src[p];
            }
            for (gru_index c = width; c < GRU_NR; c++) {
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
