// The thread team's internal interface, used by the sequence kernels.
#ifndef CGRUKERNELS_TEAM_INTERNAL_H
#define CGRUKERNELS_TEAM_INTERNAL_H

#include "CGRUKernels.h"

/// Runs fn(ctx, thread, threads) on every thread of the team (the caller is thread 0) and
/// returns when all have returned. With a NULL team, or when `threads` is 1, runs it on the
/// caller alone.
void gru_team_run(gru_team *team, int threads, void (*fn)(void *ctx, int thread, int threads), void *ctx);

/// A barrier for the threads of the current gru_team_run (a no-op on one thread).
void gru_team_sync(gru_team *team, int thread, int threads);

/// [*begin, *end): thread `thread`'s share of n items, cut at multiples of `align`.
static inline void gru_share(gru_index n, int thread, int threads, gru_index align, gru_index *begin, gru_index *end) {
    gru_index units = (n + align - 1) / align;
    gru_index per = units / threads, rem = units % threads;
    gru_index first = thread * per + (thread < rem ? thread : rem);
    gru_index last = first + per + (thread < rem ? 1 : 0);
    *begin = first * align < n ? first * align : n;
    *end = last * align < n ? last * align : n;
}

/// Whether a layer's per-step loop pays for a second thread's barriers: its `units` are more
/// than one block of `align` to share out, and a step's work reaches `threshold` flops. Each
/// loop passes its own measured threshold: their barriers a step differ.
static inline int gru_split_pays(gru_index units, gru_index align, double flops, double threshold) {
    return units > align && flops >= threshold;
}

#endif
