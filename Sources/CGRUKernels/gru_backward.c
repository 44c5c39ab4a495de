// Backpropagation through time for one GRU layer in one direction (float, sigmoid and tanh).
//
// Per step, in reverse processing order, thread k owns hidden units [j0, j1): from the state
// gradient it computes the gate-sum gradients of its units -- dgi (T, N, 3H) for the input side,
// and for the recurrent side only its n block dgn (T, N, H), since its r and z blocks equal
// dgi's -- then, after one barrier (two with the reset before the matmul), its columns of
// dh_prev += [dgi_r dgi_z] W_hr,z + dgn W_hn (reset after; before, dgn W_hn goes through r),
// and adds its rows to its units' bias gradients. The weight and input gradients are single
// products over all T * N rows after the loop, split by output rows or columns (no input
// gradient when dx is NULL: the first layer's input needs none when it is data). Every element
// is computed by the same operations in the same order whatever the split, so results are
// bit-identical for any number of threads. The equations are on GRULayer.backward.
#include "gate_loops.h"
#include "kernels_internal.h"
#include "team_internal.h"

#include <string.h>

static size_t aligned_floats(size_t n) { return (n + 15) & ~(size_t)15; }

typedef struct backward_job {
    const gru_layer *L;
    const float *x, *dy, *dh_n;
    const gru_trace *trace;
    float *dx, *dh0, *dw_ih, *dw_hh, *db_ih, *db_hh;
    float *dgi, *dgn, *dh[2], *du, *packed_rz, *packed_n;
    gru_team *team;
} backward_job;

size_t gru_backward_workspace(const gru_layer *L) {
    size_t T = (size_t)L->T, N = (size_t)L->N, H = (size_t)L->H;
    return aligned_floats(T * N * 3 * H) + aligned_floats(T * N * H) + 3 * aligned_floats(N * H)
         + aligned_floats(gru_sgemm_packed_size(L->H, 2 * L->H) / sizeof(float))
         + aligned_floats(gru_sgemm_packed_size(L->H, L->H) / sizeof(float));
}

/// The step's product (6 N H^2 flops) below which the backward stays on one thread: one row's at
/// H = 128 -- bound by reading W_hh from L2, which a second core's L2 halves (D's training step,
/// N = 1, H = 128, on two AVX2 cores, five alternating runs: 5.8-10.5 ms, three of them 5.8-6.5,
/// against 7.3-10.2 with this product on one thread; one row of H = 48 or 64 gained nothing).
/// With the reset before the matmul (two barriers a step), D's training on two Zen 5 cores,
/// three rounds: N 1 H 128 1.23-1.25x faster than one, N 4 H 64 0.88-1.30x (two of three 1.24x
/// or more).
#define GRU_BACKWARD_THREAD_FLOPS 90000.0

static void backward_thread(void *raw, int thread, int threads) {
    backward_job *J = raw;
    const gru_layer *L = J->L;
    const gru_index T = L->T, N = L->N, I = L->I, H = L->H, H3 = 3 * H;
    const int after = L->reset_after, keeps = L->z_keeps_old;
    gru_index j0, j1;
    gru_share(H, thread, threads, GRU_NR, &j0, &j1);
    for (gru_index b = 0; b < N; ++b) {
        for (gru_index j = j0; j < j1; ++j) J->dh[0][b * H + j] = J->dh_n ? J->dh_n[b * H + j] : 0.0f;
    }
    // The bias gradients are sums of the gate gradients over every row: summed here, step by
    // step while each step's rows are in cache (the thread's own units; time descending, rows
    // ascending), not in a pass over the whole (T, N, 3H) buffer afterwards.
    if (J->db_ih && J->db_hh) {
        for (int gate = 0; gate < 3; ++gate) memset(J->db_ih + gate * H + j0, 0, (size_t)(j1 - j0) * sizeof(float));
        memset(J->db_hh + 2 * H + j0, 0, (size_t)(j1 - j0) * sizeof(float));
    }
    int cur = 0;
    for (gru_index s = T - 1; s >= 0; --s) {
        const gru_index t = L->reverse ? T - 1 - s : s;
        const float *G = J->trace->gates + t * N * H3, *P = J->trace->previous + t * N * H;
        const float *C = J->trace->candidate + t * N * H;
        float *dgi = J->dgi + t * N * H3, *dgn = J->dgn + t * N * H;
        const float *d = J->dh[cur];
        float *prev = J->dh[cur ^ 1];
        for (gru_index b = 0; b < N; ++b) {
            const float *g = G + b * H3;
            float *gi = dgi + b * H3, *gn = dgn + b * H;
            if (L->lengths && t >= L->lengths[b]) {  // past the sequence: nothing to do but pass dh
                for (int gate = 0; gate < 3; ++gate) memset(gi + gate * H + j0, 0, (size_t)(j1 - j0) * sizeof(float));
                memset(gn + j0, 0, (size_t)(j1 - j0) * sizeof(float));
                memcpy(prev + b * H + j0, d + b * H + j0, (size_t)(j1 - j0) * sizeof(float));
                continue;
            }
            const float *dy = J->dy ? J->dy + (t * N + b) * H + j0 : NULL;
            gru_backward_row(j1 - j0, keeps, d + b * H + j0, dy, g + j0, g + H + j0, g + 2 * H + j0,
                             P + b * H + j0, after ? C + b * H + j0 : NULL, gi + j0, gi + H + j0, gi + 2 * H + j0,
                             gn + j0, prev + b * H + j0);
        }
        if (!after) {  // du = dgn W_hn needs every unit's dgn; then dr = du * h, dh += du * r
            gru_team_sync(J->team, thread, threads);
            if (j1 > j0) gru_sgemm_packed_cols(N, H, H, dgn, H, J->packed_n, j0, j1, 0.0f, J->du, H);
            for (gru_index b = 0; b < N; ++b) {
                if (L->lengths && t >= L->lengths[b]) continue;
                gru_backward_reset_before(j1 - j0, J->du + b * H + j0, G + b * H3 + j0, P + b * H + j0,
                                          dgi + b * H3 + j0, prev + b * H + j0);
            }
        }
        if (J->db_ih && J->db_hh) {
            for (gru_index b = 0; b < N; ++b) {
                for (int gate = 0; gate < 3; ++gate) {
                    gru_accumulate(j1 - j0, J->db_ih + gate * H + j0, dgi + b * H3 + gate * H + j0);
                }
                gru_accumulate(j1 - j0, J->db_hh + 2 * H + j0, dgn + b * H + j0);
            }
        }
        gru_team_sync(J->team, thread, threads);  // the products below read every unit's gradients
        if (j1 > j0) {  // one multiply-add chain per element over W_hh's rows in order, as one product would
            gru_sgemm_packed_cols(N, H, 2 * H, dgi, H3, J->packed_rz, j0, j1, 1.0f, prev, H);
            if (after) gru_sgemm_packed_cols(N, H, H, dgn, H, J->packed_n, j0, j1, 1.0f, prev, H);
        }
        cur ^= 1;
    }
    for (gru_index b = 0; b < N; ++b) {
        memcpy(J->dh0 + b * H + j0, J->dh[cur] + b * H + j0, (size_t)(j1 - j0) * sizeof(float));
    }
    if (J->db_ih && J->db_hh) {  // the recurrent r and z gradients equal the input side's
        for (int gate = 0; gate < 2; ++gate) memcpy(J->db_hh + gate * H + j0, J->db_ih + gate * H + j0, (size_t)(j1 - j0) * sizeof(float));
    }
    gru_team_sync(J->team, thread, threads);  // every dgi and dgh row is written

    const gru_index rows = T * N;
    gru_index r0, r1, c0, c1;
    gru_share(rows, thread, threads, 1, &r0, &r1);
    if (J->dx && r1 > r0) gru_sgemm(0, 0, r1 - r0, I, H3, J->dgi + r0 * H3, H3, L->w_ih, I, 0.0f, J->dx + r0 * I, I);
    gru_share(H3, thread, threads, GRU_NR, &c0, &c1);
    if (c1 > c0) {
        gru_sgemm(1, 0, c1 - c0, I, rows, J->dgi + c0, H3, J->x, I, 0.0f, J->dw_ih + c0 * I, I);
        // dW_hh rows [0, 2H) from dgi's r, z and h_prev; rows [2H, 3H) from dgn and h_prev (reset
        // after) or r * h_prev (reset before).
        gru_index a0 = c0, a1 = c1 < 2 * H ? c1 : 2 * H;
        if (a1 > a0) gru_sgemm(1, 0, a1 - a0, H, rows, J->dgi + a0, H3, J->trace->previous, H, 0.0f, J->dw_hh + a0 * H, H);
        gru_index b0 = c0 > 2 * H ? c0 : 2 * H, b1 = c1;
        const float *n_input = after ? J->trace->previous : J->trace->candidate;
        if (b1 > b0) gru_sgemm(1, 0, b1 - b0, H, rows, J->dgn + (b0 - 2 * H), H, n_input, H, 0.0f, J->dw_hh + b0 * H, H);
    }
}

void gru_layer_backward(const gru_layer *L, const float *x, const gru_trace *trace,
                        const float *dy, const float *dh_n, float *dx, float *dh0,
                        float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                        float *workspace, gru_team *team) {
    const size_t T = (size_t)L->T, N = (size_t)L->N, H = (size_t)L->H;
    backward_job J = {.L = L, .x = x, .dy = dy, .dh_n = dh_n, .trace = trace, .dx = dx, .dh0 = dh0,
                      .dw_ih = dw_ih, .dw_hh = dw_hh, .db_ih = db_ih, .db_hh = db_hh, .team = team};
    float *w = workspace;
    J.dgi = w; w += aligned_floats(T * N * 3 * H);
    J.dgn = w; w += aligned_floats(T * N * H);
    J.dh[0] = w; w += aligned_floats(N * H);
    J.dh[1] = w; w += aligned_floats(N * H);
    J.du = w; w += aligned_floats(N * H);
    J.packed_rz = w; w += aligned_floats(gru_sgemm_packed_size(L->H, 2 * L->H) / sizeof(float));
    J.packed_n = w;
    if (L->T == 0 || L->N == 0 || L->H == 0) return;
    gru_sgemm_pack_b(0, L->H, 2 * L->H, L->w_hh, L->H, J.packed_rz);                // W_hh rows [0, 2H)
    gru_sgemm_pack_b(0, L->H, L->H, L->w_hh + 2 * L->H * L->H, L->H, J.packed_n);  // W_hh rows [2H, 3H)
    const double flops = 6.0 * (double)L->N * (double)L->H * (double)L->H;
    gru_team_run(team, gru_split_pays(L->H, GRU_NR, flops, GRU_BACKWARD_THREAD_FLOPS) ? gru_team_size(team) : 1,
                 backward_thread, &J);
}
