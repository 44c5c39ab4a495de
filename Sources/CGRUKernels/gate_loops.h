// The GRU's element-wise gate arithmetic, branch-free over contiguous units so the compiler
// vectorises it. On x86-64 Linux each loop is compiled for AVX-512, AVX2 and the baseline
// (target_clones, chosen once by the loader); elsewhere for the baseline only.
#ifndef CGRUKERNELS_GATE_LOOPS_H
#define CGRUKERNELS_GATE_LOOPS_H

#include "CGRUKernels.h"

// ThreadSanitizer instruments the clones' resolvers, which the loader runs before the
// sanitizer's runtime exists: under it, build the baseline only.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GRU_NO_CLONES 1
#endif
#endif

#if defined(__x86_64__) && defined(__linux__) && !defined(GRU_NO_CLONES)
#define GRU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GRU_CLONES
#endif

/// out = a + b (+ bias)
GRU_CLONES static void gru_add(gru_index n, const float *restrict a, const float *restrict b,
                               const float *restrict bias, float *restrict out) {
    if (bias) {
        for (gru_index j = 0; j < n; ++j) out[j] = a[j] + b[j] + bias[j];
    } else {
        for (gru_index j = 0; j < n; ++j) out[j] = a[j] + b[j];
    }
}

/// acc += x
GRU_CLONES static void gru_accumulate(gru_index n, float *restrict acc, const float *restrict x) {
    for (gru_index j = 0; j < n; ++j) acc[j] += x[j];
}

/// out = a * b
GRU_CLONES static void gru_mul(gru_index n, const float *restrict a, const float *restrict b, float *restrict out) {
    for (gru_index j = 0; j < n; ++j) out[j] = a[j] * b[j];
}

/// out = a + r * c   (the candidate's argument, reset after the matmul)
GRU_CLONES static void gru_add_product(gru_index n, const float *restrict a, const float *restrict r,
                                       const float *restrict c, float *restrict out) {
    for (gru_index j = 0; j < n; ++j) out[j] = a[j] + r[j] * c[j];
}

/// next = y = n + z (old - n) (z keeps the old state) or old + z (n - old); for an invalid
/// row, next = old and y = 0.
GRU_CLONES static void gru_update(gru_index count, int keeps, int valid, const float *restrict z,
                                  const float *restrict n, const float *restrict old,
                                  float *restrict next, float *restrict y) {
    if (!valid) {
        for (gru_index j = 0; j < count; ++j) { next[j] = old[j]; y[j] = 0.0f; }
    } else if (keeps) {
        for (gru_index j = 0; j < count; ++j) { float v = n[j] + z[j] * (old[j] - n[j]); next[j] = v; y[j] = v; }
    } else {
        for (gru_index j = 0; j < count; ++j) { float v = old[j] + z[j] * (n[j] - old[j]); next[j] = v; y[j] = v; }
    }
}

/// One valid row's backward gate arithmetic over units [0, count): from the state gradient
/// (plus the output gradient dy, may be NULL) to the gate-sum gradients (the input side's r, z,
/// n; the recurrent side's n, which differs from the input side's under reset after) and the
/// direct state gradient. `c` is the reset-after candidate term (NULL under reset before,
/// where the r part follows from du later). Pointers are at the row's unit 0.
GRU_CLONES static void gru_backward_row(gru_index count, int keeps, const float *restrict d,
                                        const float *restrict dy, const float *restrict r,
                                        const float *restrict z, const float *restrict nn,
                                        const float *restrict old, const float *restrict c,
                                        float *restrict gi_r, float *restrict gi_z, float *restrict gi_n,
                                        float *restrict gh_n, float *restrict prev) {
    for (gru_index j = 0; j < count; ++j) {
        const float out = d[j] + (dy ? dy[j] : 0.0f);
        const float zj = z[j], n = nn[j], o = old[j];
        const float dn = keeps ? out * (1.0f - zj) : out * zj;
        const float dz = keeps ? out * (o - n) : out * (n - o);
        prev[j] = keeps ? out * zj : out * (1.0f - zj);
        const float dan = dn * (1.0f - n * n), daz = dz * (zj * (1.0f - zj));
        gi_z[j] = daz;
        gi_n[j] = dan;
        if (c) {
            const float rj = r[j];
            gi_r[j] = dan * c[j] * (rj * (1.0f - rj));
            gh_n[j] = dan * rj;
        } else {
            gh_n[j] = dan;
        }
    }
}

/// Reset before: dr = du * old, its gate sum dar = dr * r (1 - r), and prev += du * r.
GRU_CLONES static void gru_backward_reset_before(gru_index count, const float *restrict du, const float *restrict r,
                                                 const float *restrict old, float *restrict gi_r, float *restrict prev) {
    for (gru_index j = 0; j < count; ++j) {
        gi_r[j] = du[j] * old[j] * (r[j] * (1.0f - r[j]));
        prev[j] += du[j] * r[j];
    }
}

#endif
