// The forward pass of one GRU layer in one direction (float, sigmoid and tanh, no clip).
//
// Reset after the matmul (PyTorch's convention): each step is one fused gru_step
// (gru_step_impl.h) per thread -- the input and recurrent products of a tile of rows and
// 16-unit groups, and the gate arithmetic on the tile while it is in registers and L1 -- so
// the gates exist in memory only as the trace. The input side x W_ih^T is computed inside each
// tile when W_ih^T is small enough to stay in L2 beside W_hh^T, else (and for a GEMV-like
// batch) for all steps at once into workspace first. Thread k owns unit groups [g0, g1).
//
// Reset before the matmul: the input projection x W_ih^T is written straight into the gate
// buffer (T, N, 3H), indexed by time, with the biases that add to it folded in (b_ih, and b_hr,
// b_hz, b_hn); each step's recurrent product then accumulates onto its rows and the
// activations run in place. In training the gate buffer is the trace; in inference it is
// workspace. Thread k owns units [j0, j1) of every gate, computes those columns of the
// recurrent product (from the packed W_hh^T, so no thread reads another's output) and the gate
// arithmetic for them.
//
// Either way the state is double-buffered: step s reads state[cur] whole and writes
// state[cur ^ 1] for its own units, so one barrier per step (two with the reset before the
// matmul, whose second product needs all of r * h) keeps the threads in step. Every output
// element is computed by the same operations in the same order whatever the split, so results
// are bit-identical for any number of threads.
#include "gate_loops.h"
#include "kernels_internal.h"
#include "team_internal.h"

#include <string.h>

/// Floats, rounded up to 64 bytes, so every workspace part stays aligned.
static size_t aligned_floats(size_t n) { return (n + 15) & ~(size_t)15; }

static gru_index groups_of(gru_index H) { return (H + GRU_NR - 1) / GRU_NR; }

/// Whether the fused path computes the input side of all steps first (one product, into
/// workspace) instead of tile by tile inside each step: when the packed W_ih^T is too big to
/// share L2 with W_hh^T every step, and for a GEMV-like batch (N < 4), where a step is bound
/// by reading weights from L2 and by its dependency chain, not by the products. Not for one
/// row of one group with an input no wider than the group (the binary-addition model): its
/// step's input product is a few multiply-adds, which the one-row loop (gru_steps_row) runs
/// beside the step before instead of making a product call and a round trip through memory.
static int precompute_input(const gru_layer *L) {
    if (L->N == 1 && L->H == GRU_NR && L->I <= GRU_NR) return 0;
    const double wih_bytes = 4.0 * 3 * GRU_NR * (double)groups_of(L->H) * (double)L->I;
    return L->N < 4 || wih_bytes > 256.0 * 1024;
}

typedef struct forward_job {
    const gru_layer *L;
    const float *x, *h0;
    float *y, *h_n;
    const gru_trace *trace;
    float *gates, *gh, *state[2], *candidate_scratch, *gi;
    const float *packed;
    gru_team *team;
} forward_job;

size_t gru_forward_packed_floats(const gru_layer *L) {
    if (L->H <= 0) return 0;
    return L->reset_after ? gru_step_packed_floats(L->I, L->H) : gru_sgemm_packed_size(3 * L->H, L->H) / sizeof(float);
}

void gru_forward_pack(const gru_layer *L, float *packed) {
    if (L->H <= 0) return;
    if (L->reset_after) gru_step_pack(L->I, L->H, L->w_ih, L->w_hh, L->b_ih, L->b_hh, packed);
    else gru_sgemm_pack_b(1, 3 * L->H, L->H, L->w_hh, L->H, packed);  // op(B) = W_hh^T, (H, 3H)
}

/// The workspace's room for the packed weights: none when they come packed.
static size_t packed_room(const gru_layer *L) { return L->packed ? 0 : aligned_floats(gru_forward_packed_floats(L)); }

/// The layer's packed weights: as they come, or laid out now in the workspace's `room`.
static const float *packed_weights(const gru_layer *L, float *room) {
    if (L->packed) return L->packed;
    gru_forward_pack(L, room);
    return room;
}

size_t gru_forward_workspace(const gru_layer *L, int with_trace) {
    size_t T = (size_t)L->T, N = (size_t)L->N, H = (size_t)L->H;
    if (L->reset_after) {
        return 2 * aligned_floats(N * H) + packed_room(L)
             + (precompute_input(L) ? aligned_floats(T * N * 3 * GRU_NR * (size_t)groups_of(L->H)) : 0);
    }
    size_t floats = aligned_floats(N * 3 * H) + 2 * aligned_floats(N * H) + packed_room(L);
    if (!with_trace) floats += aligned_floats(T * N * 3 * H) + aligned_floats(N * H);
    return floats;
}

/// Work per step (flops, 6 N H (I + H)) below which the fused step stays on one thread: about
/// 0.3 us on one core. A step this small is bound by reading its packed weights from L2 and by
/// the gate chain, so a second core, with its own L2 holding half the weights, pays for the
/// barrier even for one row: on 2 AVX2 cores (Zen 3), one row of H = 48, 64, 96, 128 (I = 32)
/// ran 1.13-1.45x faster on two threads, H = 32 (12,300 flops) within noise of one (one run in
/// five slower).
#define GRU_FUSED_THREAD_FLOPS 20000.0

/// The recurrent product's flops per step (6 N H^2) below which the reset-before path stays on
/// one thread. It has two barriers a step ((r * h) W_hn^T needs every unit's r * h, and the next
/// step every unit's state), so it needs more work than the fused path to pay for them. D's
/// input with the reset before, inference, one and two Zen 5 cores alternating, three rounds
/// each: at 98,304 (N 1 H 128, N 4 H 64, N 16 H 32) two threads ran 0.74-1.36x, 1.00-1.07x,
/// 0.93-1.03x one's speed; at 147,456-165,888 (N 6 H 64, N 1 H 160, N 12 H 48) 1.02-1.18x,
/// 0.82-1.47x (two of three 1.43-1.47x), 1.15-1.23x; at 196,608-221,184 (N 2 H 128, N 8 H 64,
/// N 1 H 192) 1.59-1.74x, 1.11-1.18x, 1.00-1.84x. (Was 400,000, not measured.)
#define GRU_RESET_BEFORE_THREAD_FLOPS 150000.0

static void forward_thread(void *raw, int thread, int threads) {
    forward_job *J = raw;
    const gru_layer *L = J->L;
    const gru_index T = L->T, N = L->N, I = L->I, H = L->H, H3 = 3 * H;
    const int after = L->reset_after, keeps = L->z_keeps_old;
    const float *bhh = L->b_hh;

    // The input projection x W_ih^T + biases for all T * N rows, into the gate buffer; this
    // thread's columns.
    gru_index c0, c1;
    gru_share(H3, thread, threads, GRU_NR, &c0, &c1);
    if (c1 > c0) {
        gru_sgemm(0, 1, T * N, c1 - c0, I, J->x, I, L->w_ih + c0 * I, I, 0.0f, J->gates + c0, H3);
        if (L->b_ih) {
            float bias[c1 - c0];
            const gru_index folded = after ? 2 * H : H3;  // b_hn stays outside under reset after
            for (gru_index c = c0; c < c1; ++c) bias[c - c0] = L->b_ih[c] + (c < folded ? L->b_hh[c] : 0.0f);
            for (gru_index row = 0; row < T * N; ++row) {
                float *g = J->gates + row * H3 + c0;
                for (gru_index c = 0; c < c1 - c0; ++c) g[c] += bias[c];
            }
        }
    }
    gru_index j0, j1;
    gru_share(H, thread, threads, GRU_NR, &j0, &j1);
    for (gru_index b = 0; b < N; ++b) {
        for (gru_index j = j0; j < j1; ++j) J->state[0][b * H + j] = J->h0 ? J->h0[b * H + j] : 0.0f;
    }
    gru_team_sync(J->team, thread, threads);

    int cur = 0;
    for (gru_index s = 0; s < T; ++s) {
        const gru_index t = L->reverse ? T - 1 - s : s;
        const float *h = J->state[cur];
        float *next = J->state[cur ^ 1];
        float *G = J->gates + t * N * H3;  // holds the input projection; becomes r, z, n
        float *C = J->trace ? J->trace->candidate + t * N * H : J->candidate_scratch;
        if (J->trace) {
            for (gru_index b = 0; b < N; ++b) {
                memcpy(J->trace->previous + (t * N + b) * H + j0, h + b * H + j0, (size_t)(j1 - j0) * sizeof(float));
            }
        }
        // G[:, r, z] += h W_hr,z^T (this thread's columns); reset after: gh[:, n] = h W_hn^T.
        if (j0 == 0 && j1 == H) {  // one thread owns every unit: r and z columns are contiguous
            gru_sgemm_packed_cols(N, H3, H, h, H, J->packed, 0, 2 * H, 1.0f, G, H3);
        } else if (j1 > j0) {
            gru_sgemm_packed_cols(N, H3, H, h, H, J->packed, j0, j1, 1.0f, G, H3);
            gru_sgemm_packed_cols(N, H3, H, h, H, J->packed, H + j0, H + j1, 1.0f, G, H3);
        }
        if (after && j1 > j0) gru_sgemm_packed_cols(N, H3, H, h, H, J->packed, 2 * H + j0, 2 * H + j1, 0.0f, J->gh, H3);
        const gru_index u = j1 - j0;
        for (gru_index b = 0; b < N; ++b) {
            float *g = G + b * H3;
            if (j0 == 0 && j1 == H) {
                gru_sigmoid(g, g, 2 * H);
            } else {
                gru_sigmoid(g + j0, g + j0, u);
                gru_sigmoid(g + H + j0, g + H + j0, u);
            }
            float *c = C + b * H;
            if (after) {
                const float *ghn = J->gh + b * H3 + 2 * H + j0;  // c = W_hn h + b_hn
                if (bhh) gru_add(u, ghn, bhh + 2 * H + j0, NULL, c + j0);
                else memcpy(c + j0, ghn, (size_t)u * sizeof(float));
            } else {
                gru_mul(u, g + j0, h + b * H + j0, c + j0);
            }
        }
        if (!after) {  // G[:, n] += (r * h) W_hn^T needs every unit's r * h
            gru_team_sync(J->team, thread, threads);
            if (j1 > j0) gru_sgemm_packed_cols(N, H3, H, C, H, J->packed, 2 * H + j0, 2 * H + j1, 1.0f, G, H3);
        }
        for (gru_index b = 0; b < N; ++b) {
            float *g = G + b * H3;
            if (after) gru_add_product(u, g + 2 * H + j0, g + j0, C + b * H + j0, g + 2 * H + j0);
            gru_tanh(g + 2 * H + j0, g + 2 * H + j0, u);
            const int valid = !L->lengths || t < L->lengths[b];
            gru_update(u, keeps, valid, g + H + j0, g + 2 * H + j0, h + b * H + j0, next + b * H + j0,
                       J->y + (t * N + b) * H + j0);
        }
        gru_team_sync(J->team, thread, threads);
        cur ^= 1;
    }
    for (gru_index b = 0; b < N; ++b) {
        memcpy(J->h_n + b * H + j0, J->state[cur] + b * H + j0, (size_t)(j1 - j0) * sizeof(float));
    }
}

/// Reset after the matmul: every step is one fused gru_step per thread (gru_step_impl.h), on
/// the thread's unit groups, then one barrier.
static void fused_thread(void *raw, int thread, int threads) {
    forward_job *J = raw;
    const gru_layer *L = J->L;
    const gru_index T = L->T, N = L->N, I = L->I, H = L->H, G = (H + GRU_NR - 1) / GRU_NR;
    gru_index g0, g1;
    gru_share(G, thread, threads, 1, &g0, &g1);
    const gru_index j0 = g0 * GRU_NR < H ? g0 * GRU_NR : H, j1 = g1 * GRU_NR < H ? g1 * GRU_NR : H;
    for (gru_index b = 0; b < N; ++b) {
        for (gru_index j = j0; j < j1; ++j) J->state[0][b * H + j] = J->h0 ? J->h0[b * H + j] : 0.0f;
    }
    const gru_index ldgi = 3 * GRU_NR * G;
    if (J->gi) gru_step_input(T * N, I, H, J->packed, J->x, g0, g1, J->gi, ldgi);  // this thread's groups
    gru_team_sync(J->team, thread, threads);
    gru_step_args S = {.N = N, .I = I, .H = H, .z_keeps_old = L->z_keeps_old, .packed = J->packed,
                       .lengths = L->lengths, .ldgi = ldgi};
    if (threads == 1 && N == 1 && H == 16 && !J->trace) {
        // One row, one group (the binary-addition model): the whole sequence in one loop.
        S.x = J->x;
        S.gi = J->gi;
        S.y = J->y;
        gru_steps_row(&S, T, L->reverse, J->state[0]);
        memcpy(J->h_n, J->state[0], 16 * sizeof(float));
        return;
    }
    int cur = 0;
    for (gru_index s = 0; s < T; ++s) {
        const gru_index t = L->reverse ? T - 1 - s : s;
        S.t = t;
        S.x = J->x + t * N * I;
        if (J->gi) S.gi = J->gi + t * N * ldgi;
        S.h = J->state[cur];
        S.next = J->state[cur ^ 1];
        S.y = J->y + t * N * H;
        if (J->trace) {
            S.gates = J->trace->gates + t * N * 3 * H;
            S.candidate = J->trace->candidate + t * N * H;
            S.previous = J->trace->previous + t * N * H;
        }
        gru_step(&S, g0, g1);
        gru_team_sync(J->team, thread, threads);
        cur ^= 1;
    }
    for (gru_index b = 0; b < N; ++b) {
        memcpy(J->h_n + b * H + j0, J->state[cur] + b * H + j0, (size_t)(j1 - j0) * sizeof(float));
    }
}

void gru_layer_forward(const gru_layer *L, const float *x, const float *h0, float *y, float *h_n,
                       const gru_trace *trace, float *workspace, gru_team *team) {
    const size_t T = (size_t)L->T, N = (size_t)L->N, H = (size_t)L->H;
    if (L->reset_after) {
        forward_job J = {.L = L, .x = x, .h0 = h0, .y = y, .h_n = h_n, .trace = trace, .team = team};
        J.state[0] = workspace;
        J.state[1] = workspace + aligned_floats(N * H);
        float *room = workspace + 2 * aligned_floats(N * H);  // the packed weights, unless they come so
        if (precompute_input(L)) J.gi = room + packed_room(L);
        if (L->T == 0 || L->N == 0 || L->H == 0) return;
        J.packed = packed_weights(L, room);
        const double flops = 6.0 * (double)L->N * (double)L->H * (double)(L->I + L->H);
        int threads = gru_split_pays(L->H, GRU_NR, flops, GRU_FUSED_THREAD_FLOPS) ? gru_team_size(team) : 1;
        const gru_index groups = (L->H + GRU_NR - 1) / GRU_NR;
        if (threads > groups) threads = (int)groups;  // gru_step shares out groups: one each at most
        gru_team_run(team, threads, fused_thread, &J);
        return;
    }
    forward_job J = {.L = L, .x = x, .h0 = h0, .y = y, .h_n = h_n, .trace = trace, .team = team};
    float *w = workspace;
    J.gh = w; w += aligned_floats(N * 3 * H);
    J.state[0] = w; w += aligned_floats(N * H);
    J.state[1] = w; w += aligned_floats(N * H);
    float *room = w;  // the packed weights, unless they come so
    w += packed_room(L);
    if (trace) {
        J.gates = trace->gates;
    } else {
        J.gates = w; w += aligned_floats(T * N * 3 * H);
        J.candidate_scratch = w;
    }
    if (L->T == 0 || L->N == 0 || L->H == 0) return;
    J.packed = packed_weights(L, room);
    const double flops = 6.0 * (double)L->N * (double)L->H * (double)L->H;  // the recurrent product
    gru_team_run(team, gru_split_pays(L->H, GRU_NR, flops, GRU_RESET_BEFORE_THREAD_FLOPS) ? gru_team_size(team) : 1,
                 forward_thread, &J);
}
