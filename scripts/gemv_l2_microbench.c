// How close D's step product (one row: h (1 x 128) times W_hh^T packed as 24 panels of
// 128 x 16 floats, 196 KB, read from L2 every step) is to the time of only reading those bytes.
// Not part of the package: a measurement behind the README's "What limits them".
//
//     clang -O2 -mavx512f -mfma scripts/gemv_l2_microbench.c -o /tmp/gemv && /tmp/gemv
//
// Prints, per round, the microseconds per product for the packed layout in calls of 4 and of 8
// panels (what gru_step does for one row with AVX2 and AVX-512), for a layout with 8 panels
// interleaved row by row (one weight stream), and for a pass that only adds the 196 KB up.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { K = 128, P = 24, ROUNDS = 3, REPS = 20000 };

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/// Panel q, row p at w[(q K + p) 16]; NPC panels (independent chains) a call.
static inline __attribute__((always_inline)) void panels(const float *h, const float *w, float *y, const int NPC) {
    for (int q0 = 0; q0 < P; q0 += NPC) {
        __m512 acc[8];
        for (int v = 0; v < 8; v++) acc[v] = _mm512_setzero_ps();
        for (int p = 0; p < K; p++) {
            const __m512 a = _mm512_set1_ps(h[p]);
#pragma clang loop unroll(full)
            for (int v = 0; v < NPC; v++) acc[v] = _mm512_fmadd_ps(a, _mm512_loadu_ps(w + ((q0 + v) * K + p) * 16), acc[v]);
        }
        for (int v = 0; v < NPC; v++) _mm512_storeu_ps(y + (q0 + v) * 16, acc[v]);
    }
}
__attribute__((noinline)) static void panels4(const float *h, const float *w, float *y) { panels(h, w, y, 4); }
__attribute__((noinline)) static void panels8(const float *h, const float *w, float *y) { panels(h, w, y, 8); }

/// Blocks of 8 panels, block b, row p, panel v at w[((b K + p) 8 + v) 16].
__attribute__((noinline)) static void interleaved8(const float *h, const float *w, float *y) {
    for (int b = 0; b < P / 8; b++) {
        __m512 acc[8];
        for (int v = 0; v < 8; v++) acc[v] = _mm512_setzero_ps();
        const float *wb = w + b * K * 8 * 16;
        for (int p = 0; p < K; p++) {
            const __m512 a = _mm512_set1_ps(h[p]);
#pragma clang loop unroll(full)
            for (int v = 0; v < 8; v++) acc[v] = _mm512_fmadd_ps(a, _mm512_loadu_ps(wb + (p * 8 + v) * 16), acc[v]);
        }
        for (int v = 0; v < 8; v++) _mm512_storeu_ps(y + (b * 8 + v) * 16, acc[v]);
    }
}

__attribute__((noinline)) static float read_only(const float *w) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int i = 0; i < P * K * 16; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_load_ps(w + i));
        s1 = _mm512_add_ps(s1, _mm512_load_ps(w + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_load_ps(w + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_load_ps(w + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

typedef void (*product)(const float *, const float *, float *);

/// Microseconds per product; each product's h depends on the last one's output, as in a sequence.
static double time_product(product f, float *h, const float *w, float *y) {
    const double t = now();
    for (int r = 0; r < REPS; r++) {
        f(h, w, y);
        h[0] = y[0] * 1e-9f;
    }
    return (now() - t) / REPS * 1e6;
}

int main(void) {
    float *w = aligned_alloc(64, P * K * 16 * sizeof(float));
    float h[K], y[P * 16];
    for (int i = 0; i < P * K * 16; i++) w[i] = 1e-3f * (float)(i % 7);
    for (int i = 0; i < K; i++) h[i] = 0.01f * (float)i;
    for (int round = 0; round < ROUNDS; round++) {
        const double a = time_product(panels4, h, w, y), b = time_product(panels8, h, w, y);
        const double c = time_product(interleaved8, h, w, y);
        float sum = 0;
        const double t = now();
        for (int r = 0; r < REPS; r++) {
            __asm__ volatile("" : : "r"(w) : "memory");  // read the bytes again every time
            sum += read_only(w);
        }
        const double d = (now() - t) / REPS * 1e6;
        printf("us per product: panels, 4 a call %.3f; 8 a call %.3f; 8 interleaved %.3f; read only %.3f (%g)\n", a, b, c, d,
               (double)sum);
    }
    free(w);
    return 0;
}
