// A team of threads that wakes fast: workers spin (with pause) for about 100 us after a job,
// then sleep on a condition variable, so a burst of short jobs pays no system call, and an
// idle team costs no CPU. Jobs run on every thread at once; gru_team_sync is a spinning,
// sense-reversing barrier among them.
#include "team_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GRU_PAUSE() _mm_pause()
#else
#define GRU_PAUSE() ((void)0)
#endif

#define GRU_SPIN_NS 100000  // how long an idle worker spins before it sleeps

typedef struct { _Alignas(64) atomic_int sense; } gru_padded_sense;

struct gru_team {
    int size;
    pthread_t *threads;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    _Alignas(64) atomic_ulong generation;  // bumped once per job
    _Alignas(64) atomic_int remaining;     // workers still running the current job
    _Alignas(64) atomic_int stop;
    void (*fn)(void *ctx, int thread, int threads);
    void *ctx;
    int job_threads;
    _Alignas(64) atomic_int arrived;       // barrier
    _Alignas(64) atomic_int released;      // barrier sense
    gru_padded_sense *local;                // each thread's barrier sense
    struct worker_arg { gru_team *team; int id; } *args;
};

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/// Spins until `*flag` differs from `value` (or stop), then, after GRU_SPIN_NS, yields.
static void spin_while_equal_ulong(atomic_ulong *flag, unsigned long value, atomic_int *stop) {
    unsigned long long start = now_ns();
    for (unsigned iteration = 1;; ++iteration) {
        if (atomic_load_explicit(flag, memory_order_acquire) != value || atomic_load_explicit(stop, memory_order_relaxed)) return;
        GRU_PAUSE();
        if ((iteration & 255) == 0 && now_ns() - start > GRU_SPIN_NS) return;
    }
}

static void *worker_main(void *raw) {
    struct worker_arg *arg = raw;
    gru_team *team = arg->team;
    unsigned long seen = 0;
    for (;;) {
        spin_while_equal_ulong(&team->generation, seen, &team->stop);
        if (atomic_load_explicit(&team->generation, memory_order_acquire) == seen && !atomic_load(&team->stop)) {
            pthread_mutex_lock(&team->mutex);
            while (atomic_load_explicit(&team->generation, memory_order_acquire) == seen && !atomic_load(&team->stop)) {
                pthread_cond_wait(&team->wake, &team->mutex);
            }
            pthread_mutex_unlock(&team->mutex);
        }
        if (atomic_load(&team->stop)) return NULL;
        seen = atomic_load_explicit(&team->generation, memory_order_acquire);
        if (arg->id < team->job_threads) team->fn(team->ctx, arg->id, team->job_threads);
        atomic_fetch_sub_explicit(&team->remaining, 1, memory_order_acq_rel);
    }
}

gru_team *gru_team_create(int threads) {
    if (threads < 1) return NULL;
    gru_team *team = calloc(1, sizeof *team);
    if (!team) return NULL;
    team->size = threads;
    team->local = aligned_alloc(64, sizeof(gru_padded_sense) * (size_t)threads);
    team->threads = calloc((size_t)threads, sizeof(pthread_t));
    team->args = calloc((size_t)threads, sizeof *team->args);
    if (!team->local || !team->threads || !team->args) { free(team->local); free(team->threads); free(team->args); free(team); return NULL; }
    for (int i = 0; i < threads; ++i) atomic_init(&team->local[i].sense, 0);
    pthread_mutex_init(&team->mutex, NULL);
    pthread_cond_init(&team->wake, NULL);
    for (int i = 1; i < threads; ++i) {
        team->args[i].team = team;
        team->args[i].id = i;
        if (pthread_create(&team->threads[i], NULL, worker_main, &team->args[i]) != 0) {
            team->size = i;  // join the ones that started
            gru_team_destroy(team);
            return NULL;
        }
    }
    return team;
}

void gru_team_destroy(gru_team *team) {
    if (!team) return;
    pthread_mutex_lock(&team->mutex);
    atomic_store(&team->stop, 1);
    pthread_cond_broadcast(&team->wake);
    pthread_mutex_unlock(&team->mutex);
    for (int i = 1; i < team->size; ++i) pthread_join(team->threads[i], NULL);
    pthread_cond_destroy(&team->wake);
    pthread_mutex_destroy(&team->mutex);
    free(team->local);
    free(team->threads);
    free(team->args);
    free(team);
}

int gru_team_size(const gru_team *team) { return team ? team->size : 1; }

void gru_team_run(gru_team *team, int threads, void (*fn)(void *ctx, int thread, int threads), void *ctx) {
    if (!team || threads <= 1 || team->size <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (threads > team->size) threads = team->size;
    team->fn = fn;
    team->ctx = ctx;
    team->job_threads = threads;
    atomic_store(&team->arrived, 0);
    atomic_store_explicit(&team->remaining, team->size - 1, memory_order_relaxed);
    pthread_mutex_lock(&team->mutex);
    atomic_fetch_add_explicit(&team->generation, 1, memory_order_release);
    pthread_cond_broadcast(&team->wake);
    pthread_mutex_unlock(&team->mutex);
    fn(ctx, 0, threads);
    for (unsigned iteration = 1; atomic_load_explicit(&team->remaining, memory_order_acquire) > 0; ++iteration) {
        GRU_PAUSE();
        if ((iteration & 4095) == 0) sched_yield();
    }
}

void gru_team_sync(gru_team *team, int thread, int threads) {
    if (!team || threads <= 1) return;
    int sense = !atomic_load_explicit(&team->local[thread].sense, memory_order_relaxed);
    atomic_store_explicit(&team->local[thread].sense, sense, memory_order_relaxed);
    if (atomic_fetch_add_explicit(&team->arrived, 1, memory_order_acq_rel) == threads - 1) {
        atomic_store_explicit(&team->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&team->released, sense, memory_order_release);
    } else {
        for (unsigned iteration = 1; atomic_load_explicit(&team->released, memory_order_acquire) != sense; ++iteration) {
            GRU_PAUSE();
            if ((iteration & 4095) == 0) sched_yield();  // the other thread may have lost its core
        }
    }
}
