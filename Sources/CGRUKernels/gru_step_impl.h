// The fused GRU step (see gru_step_args in CGRUKernels.h), included once per implementation
// after gemm_driver.h, in the same file, so it calls that implementation's micro-kernels. The
// includer defines, besides what gemm_driver.h needs:
//   GRU_VW            lanes per activation vector (16 AVX-512, 8 AVX2, 4 portable)
//   GRU_MADD(a, b, c) a * b + c, fused where the implementation has FMA
//   GRU_INLINE_UKERNEL (optional) when its micro-kernel is the inlinable
//                     ukernel(MR, NP, ALAYOUT, kc, a, lda, b, bps, c, ldc, lo, hi, acc)
//
// Per step, for a chunk of unit groups whose packed weights fit in L2, for each block of up to
// 6 rows (8 with AVX-512), for each group (up to 8 at a time for few rows, so a GEMV keeps 8
// chains):
//     Ti (rows x 48)  = x W_ih^T   (columns r, z, n of the group's 16 units)
//     Th (rows x 48)  = h W_hh^T
// then the gate arithmetic on Ti, Th and the biases, in vector registers, writing the new
// state, the output and (in training) the trace. The tiles stay in L1; the gates never exist
// in memory unless the trace wants them.
//
// Every C element is the micro-kernels' multiply-add chain over p in order, started from 0,
// and the gate arithmetic is element by element, so no result depends on the row blocking, on
// how many groups one tile holds, or on which groups a call computes.

#define GRU_ACTIVATIONS_VECTORS_ONLY
#include "activations_impl.h"
#undef GRU_ACTIVATIONS_VECTORS_ONLY

#include <string.h>

// The row block and micro-kernels of the tiles: the GEMM's unless the includer has its own.
#ifndef GRU_STEP_MR
#define GRU_STEP_MR GRU_MR
#define GRU_STEP_NP_MAX(mr) GRU_NP_MAX(mr)
#define GRU_STEP_UKERNEL GRU_UKERNEL
#endif

#define SVF GRU_NAME(vf)
#define SAI static inline __attribute__((always_inline)) GRU_TARGET

// The packed weights of one chunk of groups should fit in this much of L2.
#define GRU_STEP_CHUNK_BYTES (512 * 1024)

SAI SVF GRU_NAME(step_load)(const float *p) {
    SVF v;
    memcpy(&v, p, sizeof v);
    return v;
}

SAI void GRU_NAME(step_store)(float *p, SVF v) { memcpy(p, &v, sizeof v); }

/// tile (mr x 16 np, rows ldt apart) = A rows (mr x k at a, rows lda apart) times panels
/// [j, j + np) of the packed (k x 16 P) operand.
static GRU_TARGET void GRU_NAME(step_tile)(gru_index mr, gru_index np, gru_index k, const float *a, gru_index lda,
                                           const float *packed, gru_index P, gru_index j, float *tile, gru_index ldt) {
    const gru_index nb = gru_kblocks(k);
    for (gru_index b = 0; b < nb; b++) {
        gru_index p0, kc;
        gru_kblock(k, b, &p0, &kc);
        const float *block = packed + p0 * P * GRU_NR + j * kc * GRU_NR;
        for (gru_index q = 0; q < np;) {
            gru_index nq = GRU_NAME(min_l)(GRU_STEP_NP_MAX(mr), np - q);
            GRU_STEP_UKERNEL(mr, nq, kc, a + p0, GRU_A_ROWS, lda, block + q * kc * GRU_NR, kc * GRU_NR,
                        tile + q * GRU_NR, ldt, 0, nq * GRU_NR, b > 0);
            q += nq;
        }
    }
}

/// input (48) = one row's x (I) times the packed W_ih^T's first group (3 panels), or zeros
/// when I is 0: the call step_tile makes, inlined where the implementation allows and one k
/// block holds it (the same chains either way).
SAI void GRU_NAME(row_input)(gru_index I, const float *x, const float *wih, float *input) {
    if (I <= 0) {
        memset(input, 0, 48 * sizeof(float));
        return;
    }
#ifdef GRU_INLINE_UKERNEL
    if (I <= GRU_KC) {
        ukernel(1, 3, GRU_A_ROWS, I, x, I, wih, I * GRU_NR, input, 48, 0, 48, 0);
        return;
    }
#endif
    GRU_NAME(step_tile)(1, 3, I, x, I, wih, 3, 0, input, 48);
}

/// The gate arithmetic of one row for one 16-unit group: the tiles' row (ti, th), the biases
/// at the group's units, the state entering at `old`; results go to the destinations, all at
/// the group's unit 0. KEEPS (z keeps the old state) and TRACE (write gates, candidate and
/// previous state) are constants at each call site, and `valid` is a select, so the body has
/// no branch and two rows in a row interleave their dependency chains.
SAI void GRU_NAME(step_row)(const int KEEPS, const int TRACE, int valid, const float *ti, const float *th,
                            const float *br, const float *bz, const float *bin, const float *bhn,
                            const float *old, float *next, float *y, float *gr, float *gz, float *gn,
                            float *cand, float *prev) {
    enum { V = 16 / GRU_VW };
    const GRU_NAME(vi) keep = (GRU_NAME(vi)){0} + (valid ? -1 : 0);
#pragma clang loop unroll(full)
    for (int v = 0; v < V; v++) {
        const int o = v * GRU_VW;
        SVF rv = GRU_NAME(sigmoid_v)(GRU_NAME(step_load)(ti + o) + GRU_NAME(step_load)(th + o) + GRU_NAME(step_load)(br + o));
        SVF zv = GRU_NAME(sigmoid_v)(GRU_NAME(step_load)(ti + 16 + o) + GRU_NAME(step_load)(th + 16 + o)
                                     + GRU_NAME(step_load)(bz + o));
        SVF cv = GRU_NAME(step_load)(th + 32 + o) + GRU_NAME(step_load)(bhn + o);
        SVF nv = GRU_NAME(tanh_v)(GRU_MADD(rv, cv, GRU_NAME(step_load)(ti + 32 + o) + GRU_NAME(step_load)(bin + o)));
        SVF hv = GRU_NAME(step_load)(old + o);
        SVF out = KEEPS ? GRU_MADD(zv, hv - nv, nv) : GRU_MADD(zv, nv - hv, hv);
        GRU_NAME(step_store)(next + o, GRU_NAME(select)(keep, out, hv));
        GRU_NAME(step_store)(y + o, GRU_NAME(select)(keep, out, (SVF){0}));
        if (TRACE) {
            GRU_NAME(step_store)(gr + o, rv);
            GRU_NAME(step_store)(gz + o, zv);
            GRU_NAME(step_store)(gn + o, nv);
            GRU_NAME(step_store)(cand + o, cv);
            GRU_NAME(step_store)(prev + o, hv);
        }
    }
}

/// step_row for row r of the block starting at row i, group at unit u0, all 16 units valid.
#define GRU_STEP_FULL_ROW(KEEPS, TRACE, r)                                                               \
    do {                                                                                                 \
        const gru_index row_ = i + (r);                                                                  \
        const int valid_ = !S->lengths || S->t < S->lengths[row_];                                       \
        float *gr_ = TRACE ? S->gates + row_ * 3 * H + u0 : NULL;                                        \
        GRU_NAME(step_row)(KEEPS, TRACE, valid_, ti + (r) * ldti, th + (r) * ldt, br, bz, bin, bhn,      \
                           S->h + row_ * H + u0, S->next + row_ * H + u0, S->y + row_ * H + u0, gr_,     \
                           TRACE ? gr_ + H : NULL, TRACE ? gr_ + 2 * H : NULL,                           \
                           TRACE ? S->candidate + row_ * H + u0 : NULL,                                  \
                           TRACE ? S->previous + row_ * H + u0 : NULL);                                  \
    } while (0)

/// The rows of a full group, two at a time.
SAI void GRU_NAME(step_full_rows)(const int KEEPS, const int TRACE, const gru_step_args *S, gru_index i, gru_index mr,
                                  gru_index u0, const float *ti, gru_index ldti, const float *th, gru_index ldt,
                                  const float *br, const float *bz, const float *bin, const float *bhn) {
    const gru_index H = S->H;
    gru_index r = 0;
    for (; r + 2 <= mr; r += 2) {
        GRU_STEP_FULL_ROW(KEEPS, TRACE, r);
        GRU_STEP_FULL_ROW(KEEPS, TRACE, r + 1);
    }
    if (r < mr) GRU_STEP_FULL_ROW(KEEPS, TRACE, r);
}
#undef GRU_STEP_FULL_ROW

/// The gate arithmetic for `mr` rows from row i and the 16-unit group g.
static GRU_TARGET void GRU_NAME(step_gates)(const gru_step_args *S, gru_index i, gru_index mr, gru_index g,
                                            const float *ti, gru_index ldti, const float *th, gru_index ldt,
                                            const float *bias) {
    const gru_index H = S->H, G16 = 16 * ((H + 15) / 16), u0 = 16 * g;
    const gru_index w = H - u0 < 16 ? H - u0 : 16;
    const float *br = bias + u0, *bz = bias + G16 + u0, *bin = bias + 2 * G16 + u0, *bhn = bias + 3 * G16 + u0;
    const int keeps = S->z_keeps_old, trace = S->gates != NULL;
    if (w == 16) {
        if (keeps && trace) GRU_NAME(step_full_rows)(1, 1, S, i, mr, u0, ti, ldti, th, ldt, br, bz, bin, bhn);
        else if (keeps) GRU_NAME(step_full_rows)(1, 0, S, i, mr, u0, ti, ldti, th, ldt, br, bz, bin, bhn);
        else if (trace) GRU_NAME(step_full_rows)(0, 1, S, i, mr, u0, ti, ldti, th, ldt, br, bz, bin, bhn);
        else GRU_NAME(step_full_rows)(0, 0, S, i, mr, u0, ti, ldti, th, ldt, br, bz, bin, bhn);
        return;
    }
    // A partial last group: through 16-float scratch, copying the valid units.
    for (gru_index r = 0; r < mr; r++) {
        const gru_index row = i + r;
        const int valid = !S->lengths || S->t < S->lengths[row];
        _Alignas(64) float o[16] = {0}, nx[16], yy[16], rr[16], zz[16], nn[16], cc[16], pp[16];
        const size_t bytes = (size_t)w * sizeof(float);
        memcpy(o, S->h + row * H + u0, bytes);
        if (keeps) GRU_NAME(step_row)(1, 1, valid, ti + r * ldti, th + r * ldt, br, bz, bin, bhn, o, nx, yy, rr, zz, nn, cc, pp);
        else GRU_NAME(step_row)(0, 1, valid, ti + r * ldti, th + r * ldt, br, bz, bin, bhn, o, nx, yy, rr, zz, nn, cc, pp);
        memcpy(S->next + row * H + u0, nx, bytes);
        memcpy(S->y + row * H + u0, yy, bytes);
        if (trace) {
            float *gr = S->gates + row * 3 * H + u0;
            memcpy(gr, rr, bytes);
            memcpy(gr + H, zz, bytes);
            memcpy(gr + 2 * H, nn, bytes);
            memcpy(S->candidate + row * H + u0, cc, bytes);
            memcpy(S->previous + row * H + u0, pp, bytes);
        }
    }
}

/// One row's gate arithmetic for NGR consecutive full groups from g, in one body so the
/// groups' dependency chains interleave as two rows' do in step_full_rows (a GEMV has one row).
SAI void GRU_NAME(step_groups_row)(const int KEEPS, const int TRACE, const int NGR, const gru_step_args *S, gru_index i,
                                   gru_index g, const float *ti, const float *th, const float *bias) {
    const gru_index H = S->H, G16 = 16 * ((H + 15) / 16);
    const int valid = !S->lengths || S->t < S->lengths[i];
#pragma clang loop unroll(full)
    for (int q = 0; q < NGR; q++) {
        const gru_index u0 = 16 * (g + q);
        float *gr = TRACE ? S->gates + i * 3 * H + u0 : NULL;
        GRU_NAME(step_row)(KEEPS, TRACE, valid, ti + 48 * q, th + 48 * q, bias + u0, bias + G16 + u0, bias + 2 * G16 + u0,
                           bias + 3 * G16 + u0, S->h + i * H + u0, S->next + i * H + u0, S->y + i * H + u0, gr,
                           TRACE ? gr + H : NULL, TRACE ? gr + 2 * H : NULL, TRACE ? S->candidate + i * H + u0 : NULL,
                           TRACE ? S->previous + i * H + u0 : NULL);
    }
}

/// step_groups_row for 4 groups, KEEPS and TRACE made constants.
static GRU_TARGET void GRU_NAME(step_gates_row)(const gru_step_args *S, gru_index i, gru_index g, const float *ti,
                                                const float *th, const float *bias) {
    const int keeps = S->z_keeps_old, trace = S->gates != NULL;
    if (keeps && trace) GRU_NAME(step_groups_row)(1, 1, 4, S, i, g, ti, th, bias);
    else if (keeps) GRU_NAME(step_groups_row)(1, 0, 4, S, i, g, ti, th, bias);
    else if (trace) GRU_NAME(step_groups_row)(0, 1, 4, S, i, g, ti, th, bias);
    else GRU_NAME(step_groups_row)(0, 0, 4, S, i, g, ti, th, bias);
}

GRU_TARGET void GRU_NAME(gru_step)(const gru_step_args *S, gru_index g0, gru_index g1) {
    const gru_index N = S->N, I = S->I, H = S->H;
    const gru_index G = (H + 15) / 16, P = 3 * G;
    if (g1 > G) g1 = G;
    if (N <= 0 || g0 >= g1) return;
    const float *wih = S->packed, *whh = wih + I * P * GRU_NR, *bias = whh + H * P * GRU_NR;
    if (N == 1 && G == 1) {
        // One row, one group (a tiny layer's GEMV, H <= 16): the loops below would make exactly
        // these calls, and at this size take as long as them.
        _Alignas(64) float tile[48], input[48];
        const float *gi = S->gi;
        gru_index ldgi = S->ldgi;
        if (!gi) {
            GRU_NAME(row_input)(I, S->x, wih, input);
            gi = input;
            ldgi = 48;
        }
        GRU_NAME(step_tile)(1, 3, H, S->h, H, whh, P, 0, tile, 48);
        GRU_NAME(step_gates)(S, 0, 1, 0, gi, ldgi, tile, 48, bias);
        return;
    }
    const gru_index group_bytes = 3 * GRU_NR * ((S->gi ? 0 : I) + H) * (gru_index)sizeof(float);
    gru_index chunk = GRU_STEP_CHUNK_BYTES / (group_bytes > 0 ? group_bytes : 1);
    if (chunk < 1) chunk = 1;
    _Alignas(64) float ti[GRU_STEP_MR * 96], th[GRU_STEP_MR * 96];
    for (gru_index c0 = g0; c0 < g1; c0 += chunk) {
        const gru_index c1 = GRU_NAME(min_l)(c0 + chunk, g1);
        for (gru_index i = 0; i < N; i += GRU_STEP_MR) {
            const gru_index mr = GRU_NAME(min_l)(GRU_STEP_MR, N - i);
            // Groups per tile: few rows need many panels per micro-kernel call to keep enough
            // independent chains (a GEMV: 8 panels); the tile holds at most 8 x 96 floats.
            const gru_index per_tile = mr == 1 ? 8 : mr == 2 ? 4 : mr <= 4 ? 2 : 1;
            // A precomputed input side comes from memory, 192 bytes per row and group, rows
            // far apart: ask for this row block's now, while the first tile's product runs.
            if (S->gi) {
                for (gru_index r = 0; r < mr; r++) {
                    const float *row = S->gi + (i + r) * S->ldgi;
                    for (gru_index f = 48 * c0; f < 48 * c1; f += 16) __builtin_prefetch(row + f, 0, 3);
                }
            }
            for (gru_index g = c0; g < c1; g += per_tile) {
                const gru_index ng = GRU_NAME(min_l)(per_tile, c1 - g), ldt = 48 * ng;
                const float *gi = ti;
                gru_index ldgi = ldt;
                if (S->gi) {
                    gi = S->gi + i * S->ldgi + 48 * g;
                    ldgi = S->ldgi;
                } else if (I > 0) {
                    GRU_NAME(step_tile)(mr, 3 * ng, I, S->x + i * I, I, wih, P, 3 * g, ti, ldt);
                } else {
                    memset(ti, 0, sizeof ti);
                }
                GRU_NAME(step_tile)(mr, 3 * ng, H, S->h + i * H, H, whh, P, 3 * g, th, ldt);
                gru_index q = 0;
                if (mr == 1) {
                    for (; q + 4 <= ng && 16 * (g + q + 4) <= H; q += 4)
                        GRU_NAME(step_gates_row)(S, i, g + q, gi + 48 * q, th + 48 * q, bias);
                }
                for (; q < ng; q++) {
                    GRU_NAME(step_gates)(S, i, mr, g + q, gi + 48 * q, ldgi, th + 48 * q, ldt, bias);
                }
            }
        }
    }
}

/// The steps of a layer with one row and one full group (N = 1, H = 16: the binary-addition
/// model), no trace: gru_step's calls for such a step (the micro-kernel products x W_ih^T,
/// unless precomputed in S->gi, and h W_hh^T into tiles, then the group's gate arithmetic) in
/// one loop over the sequence, without the per-step dispatch, tiling and barrier, the products
/// inlined where the implementation allows (A1 inference on a Zen 5 core: 5-14 % faster); the
/// same bits. The input product does not wait for the state, so it overlaps the step before.
GRU_TARGET void GRU_NAME(gru_steps_row)(const gru_step_args *S, gru_index T, int reverse, float *h) {
    const gru_index P = 3, I = S->I;
    const float *wih = S->packed, *whh = wih + I * P * GRU_NR, *bias = whh + 16 * P * GRU_NR;
    const float *br = bias, *bz = bias + 16, *bin = bias + 32, *bhn = bias + 48;
    _Alignas(64) float state[2][16], tile[48], input[48];
    memcpy(state[0], h, sizeof state[0]);
    int cur = 0;
    for (gru_index s = 0; s < T; ++s) {
        const gru_index t = reverse ? T - 1 - s : s;
        const int valid = !S->lengths || t < S->lengths[0];
        const float *gi = input;
        if (S->gi) gi = S->gi + t * S->ldgi;
        else GRU_NAME(row_input)(I, S->x + t * I, wih, input);
#ifdef GRU_INLINE_UKERNEL  // the call step_tile would make, inlined: the tile stays in registers
        ukernel(1, 3, GRU_A_ROWS, 16, state[cur], 16, whh, 16 * GRU_NR, tile, 48, 0, 48, 0);
#else
        GRU_NAME(step_tile)(1, 3, 16, state[cur], 16, whh, P, 0, tile, 48);
#endif
        if (S->z_keeps_old) {
            GRU_NAME(step_row)(1, 0, valid, gi, tile, br, bz, bin, bhn, state[cur], state[cur ^ 1], S->y + t * 16,
                               NULL, NULL, NULL, NULL, NULL);
        } else {
            GRU_NAME(step_row)(0, 0, valid, gi, tile, br, bz, bin, bhn, state[cur], state[cur ^ 1], S->y + t * 16,
                               NULL, NULL, NULL, NULL, NULL);
        }
        cur ^= 1;
    }
    memcpy(h, state[cur], sizeof state[0]);
}

#undef SVF
#undef SAI

#undef GRU_STEP_MR
#undef GRU_STEP_NP_MAX
#undef GRU_STEP_UKERNEL
