// Packing for the fused GRU step (gru_step_impl.h), shared by every implementation.
//
// Layout, with G = ceil(H / 16) groups of units and P = 3 G panels of 16 columns:
//   W_ih^T (I x 16 P) then W_hh^T (H x 16 P), each in the packed-B layout of
//   kernels_internal.h, panel 3 g + q holding gate q's units 16 g ..< 16 g + 16 (zero past H);
//   then four bias vectors of 16 G floats (zero past H): b_ir + b_hr, b_iz + b_hz, b_in, b_hn.
#include <string.h>

#include "kernels_internal.h"

static gru_index groups(gru_index H) { return (H + GRU_NR - 1) / GRU_NR; }

size_t gru_step_packed_floats(gru_index I, gru_index H) {
    if (H <= 0) return 0;
    const size_t P = 3 * (size_t)groups(H);
    return ((size_t)(I > 0 ? I : 0) + (size_t)H) * P * GRU_NR + 4 * (size_t)groups(H) * GRU_NR;
}

/// W (3H, K) as op(B) = W^T (K x 16 P), columns ordered by group then gate.
static void pack_gates(gru_index K, gru_index H, const float *w, float *dst) {
    const gru_index G = groups(H), P = 3 * G;
    for (gru_index b = 0, nb = gru_kblocks(K); b < nb; b++) {
        gru_index p0, kc;
        gru_kblock(K, b, &p0, &kc);
        for (gru_index g = 0; g < G; g++) {
            for (gru_index q = 0; q < 3; q++) {
                float *panel = dst + p0 * P * GRU_NR + (3 * g + q) * kc * GRU_NR;
                if (H * K > 65536) {  // 4 x 4 register transposes pay off
                    gru_pack_b_block(1, H, w + q * H * K, K, p0, kc, g, g + 1, panel);
                    continue;
                }
                const gru_index width = H - g * GRU_NR < GRU_NR ? H - g * GRU_NR : GRU_NR;
                const float *src = w + (q * H + g * GRU_NR) * K + p0;
                for (gru_index p = 0; p < kc; p++) {
                    for (gru_index u = 0; u < width; u++) panel[p * GRU_NR + u] = src[u * K + p];
                    for (gru_index u = width; u < GRU_NR; u++) panel[p * GRU_NR + u] = 0.0f;
                }
            }
        }
    }
}

void gru_step_pack(gru_index I, gru_index H, const float *w_ih, const float *w_hh,
                   const float *b_ih, const float *b_hh, float *packed) {
    if (H <= 0) return;
    const gru_index G = groups(H), P = 3 * G, G16 = G * GRU_NR;
    if (I > 0) pack_gates(I, H, w_ih, packed);
    pack_gates(H, H, w_hh, packed + I * P * GRU_NR);
    float *bias = packed + (I + H) * P * GRU_NR;
    memset(bias, 0, 4 * (size_t)G16 * sizeof(float));
    for (gru_index j = 0; j < H; j++) {
        for (int q = 0; q < 2; q++) {
            bias[q * G16 + j] = (b_ih ? b_ih[q * H + j] : 0.0f) + (b_hh ? b_hh[q * H + j] : 0.0f);
        }
        bias[2 * G16 + j] = b_ih ? b_ih[2 * H + j] : 0.0f;
        bias[3 * G16 + j] = b_hh ? b_hh[2 * H + j] : 0.0f;
    }
}

void gru_step_input(gru_index rows, gru_index I, gru_index H, const float *packed, const float *x,
                    gru_index g0, gru_index g1, float *gi, gru_index ldgi) {
    const gru_index G = groups(H);
    if (g1 > G) g1 = G;
    if (rows <= 0 || g0 >= g1) return;
    // The packed W_ih^T is op(B) (I, 48 G) in the packed-B layout: the packed GEMM reads it.
    gru_sgemm_packed_cols(rows, 3 * GRU_NR * G, I, x, I, packed, 3 * GRU_NR * g0, 3 * GRU_NR * g1, 0.0f, gi, ldgi);
}
