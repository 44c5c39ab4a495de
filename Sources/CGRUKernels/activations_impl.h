// Vectorised sigmoid and tanh, written once over a GCC/Clang vector type and included once per
// implementation. The includer defines:
//   GRU_VW                lanes per vector (8 for AVX2, 4 portable)
//   GRU_TARGET            function attribute (may be empty)
//   GRU_NAME(x)           x with the implementation's suffix
//   GRU_MADD(a, b, c)     a * b + c (fused where the implementation has FMA)
//
// The math, for float x:
//   e^x, x <= 0:  n = round(x log2 e), r = x - n ln 2 (two-part ln 2, |r| <= ln2 / 2),
//                 e^r = 1 + r + r^2 P(r) (Cephes expf, ~1 ulp), e^x = e^r (2^(n/2) 2^(n - n/2))
//                 (2^n built from two normal powers of two, so subnormal results are right).
//   sigmoid(x)  = s for x >= 0, e s for x < 0, with e = e^-|x| and s = 1 / (1 + e): no
//                 overflow, no cancellation, relative error of a few ulps down to subnormals.
//   tanh(x)     = sign(x) t(|x|), t(a) = a + a^3 Q(a^2) for a < 0.625 (minimax, relative
//                 error 5e-9 before rounding), else (1 - e) / (1 + e) with e = e^-2a <= 0.29.
// NaN lanes give NaN (by propagation, not by a test); +-inf saturate to 1/0 (sigmoid) and +-1
// (tanh).

#include <stdint.h>
#include <string.h>

typedef float GRU_NAME(vf) __attribute__((vector_size(4 * GRU_VW)));
typedef int32_t GRU_NAME(vi) __attribute__((vector_size(4 * GRU_VW)));
#define VF GRU_NAME(vf)
#define VI GRU_NAME(vi)
#define AI static inline __attribute__((always_inline)) GRU_TARGET

AI VF GRU_NAME(splat)(float x) { return (VF){0} + x; }
AI VI GRU_NAME(bits)(VF x) { VI i; memcpy(&i, &x, sizeof i); return i; }
AI VF GRU_NAME(from_bits)(VI i) { VF x; memcpy(&x, &i, sizeof x); return x; }
/// mask ? a : b, with mask lanes all ones or all zeros.
AI VF GRU_NAME(select)(VI mask, VF a, VF b) {
    return GRU_NAME(from_bits)((mask & GRU_NAME(bits)(a)) | (~mask & GRU_NAME(bits)(b)));
}
#define SPLAT GRU_NAME(splat)
#define BITS GRU_NAME(bits)
#define FROM_BITS GRU_NAME(from_bits)
#define SELECT GRU_NAME(select)

/// e^x for x <= 0: ~1 ulp, subnormal results included, 0 below -104, NaN for NaN.
/// The loops are bound by the multiply-add pipes (llvm-mca), so multiplies are few: Estrin's
/// scheme for the polynomial, an integer add for half of the scaling.
AI VF GRU_NAME(exp_nonpositive)(VF x) {
    x = SELECT(x < SPLAT(-104.0f), SPLAT(-104.0f), x);  // NaN compares false and stays
    const VF magic = SPLAT(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    VF n = (GRU_MADD(x, SPLAT(1.44269504088896341f), magic)) - magic;
    VF r = GRU_MADD(n, SPLAT(-0.693359375f), x);
    r = GRU_MADD(n, SPLAT(2.12194440e-4f), r);
    // e^r = 1 + r + r^2 (c0 + c1 r + c2 r^2 + c3 r^3 + c4 r^4 + c5 r^5)
    VF r2 = r * r;
    VF p01 = GRU_MADD(SPLAT(1.6666665459e-1f), r, SPLAT(5.0000001201e-1f));
    VF p23 = GRU_MADD(SPLAT(8.3334519073e-3f), r, SPLAT(4.1665795894e-2f));
    VF p45 = GRU_MADD(SPLAT(1.9875691500e-4f), r, SPLAT(1.3981999507e-3f));
    VF r4 = r2 * r2;
    VF p = GRU_MADD(p23, r2, p01);
    p = GRU_MADD(p45, r4, p);
    p = GRU_MADD(p, r2, r) + SPLAT(1.0f);
    VI ni = __builtin_convertvector(n, VI);  // -151 <= n <= 0, exact (NaN: garbage, p is NaN)
    VI n1 = ni >> 1, n2 = ni - n1;           // each >= -76
    // p 2^n1 by adding n1 to p's exponent (p >= 0.7, so it stays normal; an integer op, off
    // the multiply pipes), then one multiply by the normal 2^n2, which rounds only subnormals.
    VF scaled = FROM_BITS(BITS(p) + (n1 << 23));
    return scaled * FROM_BITS((n2 + 127) << 23);
}

AI VF GRU_NAME(sigmoid_v)(VF x) {
    const VI sign = (VI){0} + (int32_t)0x80000000u;
    VF e = GRU_NAME(exp_nonpositive)(FROM_BITS(BITS(x) | sign));  // e^-|x|
    VF s = SPLAT(1.0f) / (SPLAT(1.0f) + e);
    return SELECT(x < SPLAT(0.0f), e * s, s);  // NaN: s is NaN
}

AI VF GRU_NAME(tanh_v)(VF x) {
    const VI sign = (VI){0} + (int32_t)0x80000000u;
    VF ax = FROM_BITS(BITS(x) & ~sign);
    // Small: a + a^3 Q(a^2).
    VF u = ax * ax;
    VF q = SPLAT(-5.711879730e-3f);
    q = GRU_MADD(q, u, SPLAT(2.064584444e-2f));
    q = GRU_MADD(q, u, SPLAT(-5.374202483e-2f));
    q = GRU_MADD(q, u, SPLAT(1.333147394e-1f));
    q = GRU_MADD(q, u, SPLAT(-3.333328335e-1f));
    VF small = GRU_MADD(ax * u, q, ax);
    // Large: (1 - e) / (1 + e), e = e^-2a.
    VF e = GRU_NAME(exp_nonpositive)(SPLAT(-2.0f) * ax);
    VF large = (SPLAT(1.0f) - e) / (SPLAT(1.0f) + e);
    VF t = SELECT(ax < SPLAT(0.625f), small, large);  // NaN: large is NaN
    return FROM_BITS(BITS(t) | (BITS(x) & sign));
}

#ifndef GRU_ACTIVATIONS_VECTORS_ONLY  // (the fused GRU step includes the vector functions only)
// 64-byte aligned, as the GEMM micro-kernels, so loop placement is the same in every binary.
#define GRU_ELEMENTWISE(public_name, vector_fn)                                   \
    __attribute__((aligned(64))) void GRU_NAME(public_name)(const float *x, float *y, gru_index count) { \
        gru_index i = 0;                                                            \
        for (; i + GRU_VW <= count; i += GRU_VW) {                             \
            VF v;                                                              \
            memcpy(&v, x + i, sizeof v);                                       \
            v = GRU_NAME(vector_fn)(v);                                        \
            memcpy(y + i, &v, sizeof v);                                       \
        }                                                                      \
        if (i < count) {                                                       \
            float t[GRU_VW] = {0};                                             \
            memcpy(t, x + i, (size_t)(count - i) * sizeof(float));             \
            VF v;                                                              \
            memcpy(&v, t, sizeof v);                                           \
            v = GRU_NAME(vector_fn)(v);                                        \
            memcpy(t, &v, sizeof v);                                           \
            memcpy(y + i, t, (size_t)(count - i) * sizeof(float));             \
        }                                                                      \
    }

GRU_TARGET GRU_ELEMENTWISE(gru_sigmoid, sigmoid_v)
GRU_TARGET GRU_ELEMENTWISE(gru_tanh, tanh_v)

#undef GRU_ELEMENTWISE
#endif
#undef AI
#undef VF
#undef VI
#undef SPLAT
#undef BITS
#undef FROM_BITS
#undef SELECT
