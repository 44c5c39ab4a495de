// CGRUKernels: the single-precision CPU kernels GRUKit runs on.
//
// Every kernel comes in two implementations with one behaviour:
//   - AVX2 + FMA (x86-64), compiled with __attribute__((target("avx2,fma"))) so a plain build
//     with no -march flags contains it, and used only when the CPU (and OS) support it;
//   - portable C with 4-wide vector extensions (SSE2 on x86-64, NEON on arm64).
// The active one is chosen once per process: AVX2 + FMA when available, unless the environment
// variable GRUKIT_KERNELS=portable forces the portable path.
//
// Matrices are row-major: element (i, j) of a matrix with leading dimension ld is at [i*ld + j].
// All sizes and leading dimensions are in elements. Nothing here allocates except gru_sgemm
// (a B block of at most 256 x 256 floats per call) and nothing keeps state between calls.
//
// Determinism: every C element is one fused (AVX2) or unfused (portable) multiply-add chain
// over p = 0, 1, ..., k-1, started from C (beta = 1) or 0 (beta = 0). The result therefore does
// not depend on blocking, on which column range a call computes, or on packed vs unpacked B:
// splitting C's columns across threads gives bit-identical results to one call.

#ifndef CGRUKERNELS_H
#define CGRUKERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Sizes, leading dimensions and counts: a signed pointer-sized integer (Swift's `Int`).
typedef ptrdiff_t gru_index;

/// The implementations, in order of preference.
typedef enum gru_isa {
    GRU_ISA_PORTABLE = 0,
    GRU_ISA_AVX2_FMA = 1,
    GRU_ISA_AVX512 = 2,   ///< AVX-512F GEMMs (with the AVX2 activations)
} gru_isa;

/// The implementation the gru_* entry points below use: gru_kernels_isa_for(getenv("GRUKIT_KERNELS")),
/// fixed on first call.
int gru_kernels_isa(void);
/// The implementation a GRUKIT_KERNELS setting selects: "portable" forces GRU_ISA_PORTABLE,
/// "avx2" the AVX2 + FMA kernels (when supported); NULL, "auto" or anything else picks the
/// best this CPU supports (AVX-512, then AVX2 + FMA, then portable).
int gru_kernels_isa_for(const char *setting);
/// 1 if `isa` can run on this CPU, else 0 (GRU_ISA_PORTABLE always can).
int gru_kernels_isa_supported(int isa);
/// "portable", "avx2+fma", "avx512", or "unknown".
const char *gru_kernels_isa_name(int isa);

// MARK: GEMM

/// C = op(A) op(B) (beta = 0) or C = beta C + op(A) op(B). op(A) is (m, k), op(B) is (k, n).
/// A is stored (m, k) when transA == 0, else (k, m); likewise B (k, n) or (n, k).
/// beta = 0 overwrites C without reading it (NaN in C does not survive); k = 0 with beta = 0
/// zeroes C. Columns beyond n (ldc > n) are never read or written.
void gru_sgemm(int transA, int transB, gru_index m, gru_index n, gru_index k,
               const float *A, gru_index lda, const float *B, gru_index ldb,
               float beta, float *C, gru_index ldc);

/// Bytes needed to hold op(B) (k, n) packed for gru_sgemm_packed (0 if n or k is 0).
size_t gru_sgemm_packed_size(gru_index n, gru_index k);

/// Packs op(B) (k, n) -- B stored (k, n) if transB == 0, else (n, k) -- into `packed`, which
/// holds gru_sgemm_packed_size(n, k) bytes (64-byte alignment is fastest). The layout is the
/// same for every implementation; pack once, multiply many times.
void gru_sgemm_pack_b(int transB, gru_index n, gru_index k, const float *B, gru_index ldb, float *packed);

/// C = op(A) Bp (+ beta C) with Bp made by gru_sgemm_pack_b(_, n, k, ...) and A stored (m, k).
void gru_sgemm_packed(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                      const float *packed, float beta, float *C, gru_index ldc);

/// As gru_sgemm_packed, but computes only columns [n0, n1) of C (0 <= n0 <= n1 <= n).
/// C still points at column 0: column j of C is column j of Bp. No other column of C is read
/// or written, so threads may compute disjoint column ranges of one C at the same time, and the
/// result is bit-identical to one gru_sgemm_packed call.
void gru_sgemm_packed_cols(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                           const float *packed, gru_index n0, gru_index n1,
                           float beta, float *C, gru_index ldc);

// MARK: Activations

/// y[i] = 1 / (1 + exp(-x[i])) for i < count. x and y may be the same array.
/// Within 3e-7 absolute and a few ulps relative of the exact value over all floats; NaN -> NaN.
void gru_sigmoid(const float *x, float *y, gru_index count);
/// y[i] = tanh(x[i]) for i < count. x and y may be the same array. Same accuracy as gru_sigmoid;
/// tanh(+-0) = +-0, tiny x -> x, |x| large -> +-1, NaN -> NaN.
void gru_tanh(const float *x, float *y, gru_index count);

// MARK: One fused GRU step (reset after the matmul)

/// One time step of a GRU layer whose reset is after the matmul, with sigmoid and tanh, for all
/// rows and the hidden units in groups [g0, g1) of 16 (units 16 g0 ..< min(16 g1, H)).
/// The input and recurrent products of a tile of rows and unit groups are computed into a small
/// buffer and the gate arithmetic runs on it at once, so the gates never travel through memory:
///     r = sigma(x W_ir^T + b_ir + h W_hr^T + b_hr),  z likewise,
///     c = h W_hn^T + b_hn,  n = tanh(x W_in^T + b_in + r * c),
///     h' = n + z (h - n) (z keeps the old state) or h + z (n - h).
/// Row b is valid while t < lengths[b] (always when lengths is NULL); an invalid row keeps its
/// state (next = h) and outputs zero. Each element is computed by the same operations whatever
/// [g0, g1), so threads may run disjoint groups of one step at once and get the one-call result.
typedef struct gru_step_args {
    gru_index N, I, H;
    int z_keeps_old;
    const float *packed;       ///< gru_step_pack's weights and biases for (I, H)
    const float *x;            ///< (N, I) this step's input
    const float *gi;           ///< or NULL: x W_ih^T precomputed, (N, 48 G) rows ldgi apart, columns
                               ///< in the packed order (gru_sgemm_packed on the packed W_ih^T); x unused
    gru_index ldgi;
    const float *h;            ///< (N, H) the state entering the step
    const gru_index *lengths;  ///< (N) or NULL
    gru_index t;               ///< the time step, for lengths
    float *next;               ///< (N, H) the state after the step (may not alias h)
    float *y;                  ///< (N, H) the output: next for valid rows, 0 for invalid ones
    float *gates;              ///< (N, 3H) r, z, n, or NULL: then candidate and previous are too
    float *candidate;          ///< (N, H) c = h W_hn^T + b_hn (with gates)
    float *previous;           ///< (N, H) a copy of h (with gates)
} gru_step_args;

/// Floats gru_step_pack writes for input size I and hidden size H.
size_t gru_step_packed_floats(gru_index I, gru_index H);
/// Packs W_ih (3H, I), W_hh (3H, H) (gates r, z, n) and the biases (NULL: zero) for gru_step:
/// the columns of W_ih^T and W_hh^T ordered by group of 16 units, r then z then n, so one tile
/// of the product holds all three gates of its units. Same layout for every implementation.
void gru_step_pack(gru_index I, gru_index H, const float *w_ih, const float *w_hh,
                   const float *b_ih, const float *b_hh, float *packed);
/// gi (rows, 48 G), rows ldgi apart, columns [48 g0, 48 g1) = x W_ih^T for rows of x (rows, I)
/// in gru_step's column order: the input side of many steps at once, for gru_step_args.gi.
void gru_step_input(gru_index rows, gru_index I, gru_index H, const float *packed, const float *x,
                    gru_index g0, gru_index g1, float *gi, gru_index ldgi);
/// The step on the active implementation.
void gru_step(const gru_step_args *args, gru_index g0, gru_index g1);
/// All T steps of a layer with N = 1 and H = 16, no trace (args->gates NULL), in processing
/// order (t descending when `reverse`): what T calls of gru_step for [0, 1) compute, bit for
/// bit, with step t's output at args->y + 16 t. The input side is precomputed (args->gi, step
/// t's row at gi + t ldgi) or, with gi NULL, computed in the loop from args->x, the whole
/// sequence (T, I). `h`: the initial state in, the final one out. args->t, h and next are
/// unused.
void gru_steps_row(const gru_step_args *args, gru_index T, int reverse, float *h);

// MARK: The C library's allocator

/// glibc: serves allocations up to 32 MiB from the heap instead of fresh mappings, and keeps up
/// to 256 MiB of freed memory at the top of the heap (mallopt M_MMAP_THRESHOLD and
/// M_TRIM_THRESHOLD). Process-wide. Returns 1 when both settings took, 0 elsewhere.
int gru_keep_large_arrays_in_heap(void);

// MARK: One implementation explicitly (for tests and benchmarks)

/// The kernels of one implementation. Fields have the signatures of the gru_* functions above.
typedef struct gru_kernel_table {
    int isa;
    const char *name;
    void (*sgemm)(int transA, int transB, gru_index m, gru_index n, gru_index k,
                  const float *A, gru_index lda, const float *B, gru_index ldb,
                  float beta, float *C, gru_index ldc);
    void (*sgemm_packed_cols)(gru_index m, gru_index n, gru_index k, const float *A, gru_index lda,
                              const float *packed, gru_index n0, gru_index n1,
                              float beta, float *C, gru_index ldc);
    void (*sigmoid)(const float *x, float *y, gru_index count);
    void (*tanh)(const float *x, float *y, gru_index count);
    void (*step)(const gru_step_args *args, gru_index g0, gru_index g1);
    void (*steps_row)(const gru_step_args *args, gru_index T, int reverse, float *h);
} gru_kernel_table;

/// The table of `isa`, or NULL if this CPU cannot run it.
const gru_kernel_table *gru_kernels_table(int isa);

/// The single-core peak of `isa`'s fused multiply-add, in GFLOP/s (2 flops per lane), measured
/// now for about 0.1 s; 0 for an implementation without FMA or one this CPU cannot run.
double gru_fma_peak_gflops(int isa);

// MARK: Threads

/// A team of threads for the sequence kernels: the caller plus `threads - 1` workers that wait
/// for work by spinning briefly (about 100 us), then sleeping, so an idle team costs nothing.
typedef struct gru_team gru_team;

/// A team of `threads` (1 or more; 1 starts no thread), or NULL if a thread cannot be started.
gru_team *gru_team_create(int threads);
/// Stops and joins the workers. NULL is allowed.
void gru_team_destroy(gru_team *team);
/// The number of threads, counting the caller (1 for NULL).
int gru_team_size(const gru_team *team);

// MARK: GRU sequences (float, sigmoid and tanh, no clip)

/// One GRU layer in one direction over a batch: the shapes, the convention and the weights.
/// Steps are taken in processing order s = 0 ..< T; the time step is t = s, or T - 1 - s when
/// `reverse`. Row n is valid at time t while t < lengths[n] (all rows when lengths is NULL):
/// an invalid row keeps its state, outputs zero and passes its state gradient through.
typedef struct gru_layer {
    gru_index T, N, I, H;
    int reset_after;          ///< 1: n = tanh(gi_n + r * (W_hn h + b_hn)); 0: n = tanh(gi_n + W_hn (r * h) + b_hn)
    int z_keeps_old;          ///< 1: h' = n + z (h - n); 0: h' = h + z (n - h)
    int reverse;
    const gru_index *lengths; ///< (N) or NULL
    const float *w_ih;        ///< (3H, I), gates r, z, n
    const float *w_hh;        ///< (3H, H)
    const float *b_ih;        ///< (3H) or NULL
    const float *b_hh;        ///< (3H) or NULL
    /// The weights as gru_forward_pack lays them out (64-byte aligned), or NULL:
    /// gru_layer_forward then lays them out in its workspace on every call. Forward only.
    const float *packed;
} gru_layer;

/// What a forward pass keeps for the backward pass, by time step (NULL pointers: none).
typedef struct gru_trace {
    float *previous;          ///< (T, N, H) the state entering each step
    float *gates;             ///< (T, N, 3H) r, z, n
    float *candidate;         ///< (T, N, H) reset after: W_hn h + b_hn; reset before: r * h
} gru_trace;

/// Floats of the weights laid out for gru_layer_forward: a function of I, H and reset_after only.
size_t gru_forward_packed_floats(const gru_layer *layer);
/// Lays out the layer's weights (and, reset after, its biases) for gru_layer_forward in
/// `packed` (gru_forward_packed_floats floats, 64-byte aligned), as every call does in its
/// workspace when the layer's `packed` is NULL. The same layout gives the same bits.
void gru_forward_pack(const gru_layer *layer, float *packed);
/// Floats of workspace gru_layer_forward needs for `layer` (with or without a trace); less
/// when the layer's weights come packed.
size_t gru_forward_workspace(const gru_layer *layer, int with_trace);
/// Runs the layer. x (T, N, I); h0 (N, H) or NULL for zeros; writes y (T, N, H) and h_n
/// (N, H); fills `trace` when it is not NULL. `workspace` holds gru_forward_workspace floats,
/// 64-byte aligned. The result does not depend on the team's size (bit for bit).
void gru_layer_forward(const gru_layer *layer, const float *x, const float *h0, float *y, float *h_n,
                       const gru_trace *trace, float *workspace, gru_team *team);

/// Floats of workspace gru_layer_backward needs.
size_t gru_backward_workspace(const gru_layer *layer);
/// Backpropagation through time over a trace from gru_layer_forward. dy (T, N, H) and dh_n
/// (N, H) may be NULL (zero). Writes dx (T, N, I) unless it is NULL, dh0 (N, H), dw_ih (3H, I), dw_hh (3H, H),
/// and db_ih, db_hh (3H) when the layer has biases (both or neither). Independent of the team's
/// size, bit for bit.
void gru_layer_backward(const gru_layer *layer, const float *x, const gru_trace *trace,
                        const float *dy, const float *dh_n, float *dx, float *dh0,
                        float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                        float *workspace, gru_team *team);

/// One gru_layer_forward call's arguments.
typedef struct gru_forward_call {
    const gru_layer *layer;
    const float *x, *h0;
    float *y, *h_n;
    const gru_trace *trace;
    float *workspace;
} gru_forward_call;

/// Runs `count` independent gru_layer_forward calls (a bidirectional layer's two directions).
/// With a team of at least two threads, the calls run at the same time, each on one thread
/// (no barrier between them; each thread keeps its own weights in its own cache); otherwise
/// one after the other on the team. The results are those of separate calls, bit for bit.
void gru_layers_forward(const gru_forward_call *calls, int count, gru_team *team);

/// One gru_layer_backward call's arguments.
typedef struct gru_backward_call {
    const gru_layer *layer;
    const float *x;
    const gru_trace *trace;
    const float *dy, *dh_n;
    float *dx, *dh0, *dw_ih, *dw_hh, *db_ih, *db_hh;
    float *workspace;
} gru_backward_call;

/// Runs `count` independent gru_layer_backward calls, as gru_layers_forward does.
void gru_layers_backward(const gru_backward_call *calls, int count, gru_team *team);

#ifdef __cplusplus
}
#endif

#endif // CGRUKERNELS_H
