// The blocked GEMM driver, included once per implementation. The includer defines:
//   GRU_TARGET             function attribute for this implementation (may be empty)
//   GRU_NAME(x)            x with the implementation's suffix, e.g. x##_avx2
//   GRU_NP_MAX(mr)         how many 16-column panels one micro-kernel call covers for mr rows
//   GRU_UKERNEL(mr, np, kc, a, alayout, lda, b, bps, c, ldc, lo, hi, acc)
//       C tile (mr x 16*np at c, rows ldc apart) = [acc ? C : 0] + Ap Bp over kc, where
//       Ap (mr x kc) is read from a in GRU_A_* layout `alayout`, and panel q of Bp starts at
//       b + q * bps, row p at + p * 16. Only columns [lo, hi) of the tile are read or written.
//   GRU_SMADD(a, b, c)     a * b + c on floats, rounded as the micro-kernels' multiply-add
//
// Loop nest (Goto / BLIS):
//   for each 256-column block of panels          (B block kc x 256 lives in L2)
//     for each k block                           (balanced, <= GRU_KC)
//       pack the B block (unless pre-packed)
//       for each 6-row micro-panel of A          (6 x kc, lives in L1: read in place, except
//                                                 transposed A under many panels: packed)
//         for each 16-column panel (or np of them when mr is small)
//           micro-kernel
// Every C element is one multiply-add chain over p in order, started from C or 0, so the
// blocking, the column range and packing change nothing in the result.

#include <stdint.h>

static inline gru_index GRU_NAME(min_l)(gru_index a, gru_index b) { return a < b ? a : b; }

/// Packs rows [i, i + mr) x columns [p0, p0 + kc) of op(A) into dst[p * mr + r].
/// MR is a constant at each call site, so the row loop unrolls.
static inline __attribute__((always_inline)) GRU_TARGET void GRU_NAME(pack_a_rows)(
    const int MR, int transA, const float *A, gru_index lda, gru_index i, gru_index p0, gru_index kc, float *dst) {
    if (!transA) {
        const float *src = A + i * lda + p0;
        for (gru_index p = 0; p < kc; p++) {
            for (int r = 0; r < MR; r++) dst[p * MR + r] = src[r * lda + p];
        }
    } else {
        for (gru_index p = 0; p < kc; p++) {
            const float *src = A + (p0 + p) * lda + i;
            for (int r = 0; r < MR; r++) dst[p * MR + r] = src[r];
        }
    }
}

static GRU_TARGET void GRU_NAME(pack_a)(int transA, const float *A, gru_index lda,
                                       gru_index i, gru_index mr, gru_index p0, gru_index kc, float *dst) {
    switch (mr) {
    case 6: GRU_NAME(pack_a_rows)(6, transA, A, lda, i, p0, kc, dst); break;
    case 5: GRU_NAME(pack_a_rows)(5, transA, A, lda, i, p0, kc, dst); break;
    case 4: GRU_NAME(pack_a_rows)(4, transA, A, lda, i, p0, kc, dst); break;
    case 3: GRU_NAME(pack_a_rows)(3, transA, A, lda, i, p0, kc, dst); break;
    case 2: GRU_NAME(pack_a_rows)(2, transA, A, lda, i, p0, kc, dst); break;
    default: GRU_NAME(pack_a_rows)(1, transA, A, lda, i, p0, kc, dst); break;
    }
}

/// C rows [0, m) (+)= op(A)[:, p0 ..< p0 + kc] times the B block holding panels [j0, j1),
/// writing only columns [n0, n1).
static GRU_TARGET void GRU_NAME(macro_kernel)(int transA, gru_index m, gru_index kc, const float *A, gru_index lda,
                                             gru_index p0, const float *bblock, gru_index j0, gru_index j1,
                                             gru_index n0, gru_index n1, float *C, gru_index ldc, int acc) {
    float abuf[GRU_MR * GRU_KC] __attribute__((aligned(64)));
    const gru_index bps = kc * GRU_NR;
    for (gru_index i = 0; i < m; i += GRU_MR) {
        gru_index mr = GRU_NAME(min_l)(GRU_MR, m - i);
        const float *ap;
        int alayout;
        if (!transA) {
            ap = A + i * lda + p0;
            alayout = GRU_A_ROWS;
        } else if (j1 - j0 <= GRU_TRANSPOSED_A_IN_PLACE_PANELS) {
            ap = A + p0 * lda + i;
            alayout = GRU_A_TRANSPOSED;
        } else {
            GRU_NAME(pack_a)(transA, A, lda, i, mr, p0, kc, abuf);
            ap = abuf;
            alayout = GRU_A_PACKED;
        }
        // Start fetching the next micro-panel of A: when few panels reuse each one, A streams
        // from L3 or memory faster than the hardware prefetcher brings it (+10 % at n = 64).
        // (Doing the same for transposed A measured slower.)
        if (!transA && i + GRU_MR < m) {
            const float *next = A + (i + GRU_MR) * lda + p0;
            gru_index nr = GRU_NAME(min_l)(GRU_MR, m - i - GRU_MR);
            for (gru_index r = 0; r < nr; r++) {
                for (gru_index p = 0; p < kc; p += 16) __builtin_prefetch(next + r * lda + p, 0, 3);
            }
        }
        float *ci = C + i * ldc;
        for (gru_index j = j0; j < j1;) {
            gru_index np = GRU_NAME(min_l)(GRU_NP_MAX(mr), j1 - j);
            gru_index lo = n0 - j * GRU_NR, hi = n1 - j * GRU_NR;
            if (lo < 0) lo = 0;
            if (hi > np * GRU_NR) hi = np * GRU_NR;
            GRU_UKERNEL(mr, np, kc, ap, alayout, lda, bblock + (j - j0) * bps, bps, ci + j * GRU_NR,
                        ldc, lo, hi, acc);
            j += np;
        }
    }
}

// Products of at most GRU_SMALL_MACS multiply-adds (the tiny models' head and input side) run
// in place, without packing or blocking, which cost more than the arithmetic at that size. Each
// element is the same chain over p in order, started from 0 or C, so the bits are the blocked
// path's.
#define GRU_SMALL_MACS 2048.0

/// C[:, n0 ..< n1] (+)= op(A) op(B) for a small product; op(B)'s element (p, j) is at
/// B + p * bp + j * bj, or, when `panel_rows` > 0 (a packed B of one k block), in panel j / 16
/// at B + ((j / 16) * panel_rows + p) * 16 + j % 16. The sums stay in registers: 16 columns
/// of a row as one vector where a whole panel's contiguous columns are wanted, else one column
/// of 8 rows at a time (8 chains side by side: a head's one column is latency-bound).
static GRU_TARGET void GRU_NAME(small_gemm)(int transA, gru_index m, gru_index k, const float *A, gru_index lda,
                                           const float *B, gru_index bp, gru_index bj, gru_index panel_rows,
                                           gru_index n0, gru_index n1, int acc, float *C, gru_index ldc) {
    const gru_index as = transA ? lda : 1, ar = transA ? 1 : lda;  // A(i, p) = A[i * ar + p * as]
    for (gru_index j0 = n0; j0 < n1;) {
        const gru_index q = j0 / GRU_NR, j1 = GRU_NAME(min_l)(n1, (q + 1) * GRU_NR);
        // Column j0's element in row p is b[p * ps], the next columns js apart.
        const float *b = panel_rows > 0 ? B + q * panel_rows * GRU_NR + (j0 - q * GRU_NR) : B + j0 * bj;
        const gru_index ps = panel_rows > 0 ? GRU_NR : bp, js = panel_rows > 0 ? 1 : bj;
        if (j1 - j0 == GRU_NR && js == 1) {
            for (gru_index i = 0; i < m; i++) {
                float s[GRU_NR], *c = C + i * ldc + j0;
                for (int u = 0; u < GRU_NR; u++) s[u] = acc ? c[u] : 0.0f;
                for (gru_index p = 0; p < k; p++) {
                    const float a = A[i * ar + p * as], *bp_ = b + p * ps;
                    for (int u = 0; u < GRU_NR; u++) s[u] = GRU_SMADD(a, bp_[u], s[u]);
                }
                for (int u = 0; u < GRU_NR; u++) c[u] = s[u];
            }
        } else {
            for (gru_index j = j0; j < j1; j++) {
                const float *bc = b + (j - j0) * js;
                for (gru_index i = 0; i < m; i += 8) {
                    gru_index row[8];  // rows past m repeat the last one and are not stored
                    float s[8];
                    for (int r = 0; r < 8; r++) {
                        row[r] = i + r < m ? i + r : m - 1;
                        s[r] = acc ? C[row[r] * ldc + j] : 0.0f;
                    }
                    for (gru_index p = 0; p < k; p++) {
                        for (int r = 0; r < 8; r++) s[r] = GRU_SMADD(A[row[r] * ar + p * as], bc[p * ps], s[r]);
                    }
                    for (int r = 0; r < 8 && i + r < m; r++) C[row[r] * ldc + j] = s[r];
                }
            }
        }
        j0 = j1;
    }
}

void GRU_NAME(gru_sgemm)(int transA, int transB, gru_index m, gru_index n, gru_index k,
                         const float *A, gru_index lda, const float *B, gru_index ldb,
                         float beta, float *C, gru_index ldc) {
    if (m <= 0 || n <= 0) return;
    if (beta != 0 && beta != 1) {
        gru_scale_columns(m, 0, n, beta, C, ldc);
        beta = 1;
    }
    if (k <= 0) {
        if (beta == 0) gru_scale_columns(m, 0, n, 0, C, ldc);
        return;
    }
    if ((double)m * (double)n * (double)k <= GRU_SMALL_MACS) {
        GRU_NAME(small_gemm)(transA, m, k, A, lda, B, transB ? 1 : ldb, transB ? ldb : 1, 0, 0, n, beta != 0, C, ldc);
        return;
    }
    const gru_index panels = gru_panels(n), nb = gru_kblocks(k);
    const gru_index kcmax = (k + nb - 1) / nb;
    const gru_index block_panels = GRU_NAME(min_l)(panels, GRU_NC_PANELS);
    // Small blocks (the GRU's tiny models) live on the stack: no allocation per call.
    _Alignas(64) float small[4096];
    const size_t block_floats = (size_t)(kcmax * block_panels * GRU_NR);
    float *bbuf = block_floats <= sizeof small / sizeof small[0] ? small : gru_alloc_floats(block_floats);
    if (!bbuf) {
        // Out of memory for a <= 256 KB buffer: compute the same chains without blocking.
        for (gru_index i = 0; i < m; i++) {
            for (gru_index j = 0; j < n; j++) {
                float s = beta == 0 ? 0.0f : C[i * ldc + j];
                for (gru_index p = 0; p < k; p++) {
                    float a = transA ? A[p * lda + i] : A[i * lda + p];
                    float b = transB ? B[j * ldb + p] : B[p * ldb + j];
                    s += a * b;
                }
                C[i * ldc + j] = s;
            }
        }
        return;
    }
    for (gru_index j0 = 0; j0 < panels; j0 += GRU_NC_PANELS) {
        gru_index j1 = GRU_NAME(min_l)(j0 + GRU_NC_PANELS, panels);
        for (gru_index b = 0; b < nb; b++) {
            gru_index p0, kc;
            gru_kblock(k, b, &p0, &kc);
            gru_pack_b_block(transB, n, B, ldb, p0, kc, j0, j1, bbuf);
            GRU_NAME(macro_kernel)(transA, m, kc, A, lda, p0, bbuf, j0, j1, 0, n, C, ldc,
                                   beta != 0 || b > 0);
        }
    }
    if (bbuf != small) gru_free_floats(bbuf);
}

void GRU_NAME(gru_sgemm_packed_cols)(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                                     const float *packed, gru_index n0, gru_index n1,
                                     float beta, float *C, gru_index ldc) {
    if (n0 < 0) n0 = 0;
    if (n1 > n) n1 = n;
    if (m <= 0 || n0 >= n1) return;
    if (beta != 0 && beta != 1) {
        gru_scale_columns(m, n0, n1, beta, C, ldc);
        beta = 1;
    }
    if (k <= 0) {
        if (beta == 0) gru_scale_columns(m, n0, n1, 0, C, ldc);
        return;
    }
    if (k <= GRU_KC && (double)m * (double)(n1 - n0) * (double)k <= GRU_SMALL_MACS) {  // one k block
        GRU_NAME(small_gemm)(0, m, k, A, lda, packed, 0, 0, k, n0, n1, beta != 0, C, ldc);
        return;
    }
    const gru_index panels = gru_panels(n), nb = gru_kblocks(k);
    const gru_index jfirst = n0 / GRU_NR, jlast = (n1 + GRU_NR - 1) / GRU_NR;
    for (gru_index b = 0; b < nb; b++) {
        gru_index p0, kc;
        gru_kblock(k, b, &p0, &kc);
        const float *block = packed + p0 * panels * GRU_NR;
        for (gru_index j0 = jfirst; j0 < jlast; j0 += GRU_NC_PANELS) {
            gru_index j1 = GRU_NAME(min_l)(j0 + GRU_NC_PANELS, jlast);
            GRU_NAME(macro_kernel)(0, m, kc, A, lda, p0, block + j0 * kc * GRU_NR, j0, j1,
                                   n0, n1, C, ldc, beta != 0 || b > 0);
        }
    }
}
