"""numpy / OpenBLAS sgemm at the GRU's GEMM shapes: the framework bar for KernelBench.

    OPENBLAS_NUM_THREADS=1 python3 scripts/bench_numpy_sgemm.py

Same shapes and transposes as Sources/KernelBench/main.swift; prints median time and GFLOP/s.
The transposes are views (`a.T`), so numpy hands OpenBLAS the same row-major layout.
"""
import os
import time

import numpy as np


def shapes(config, i, h, t, n):
    h3, rows = 3 * h, t * n
    return [
        (f"{config} input proj X·W_ihᵀ", False, True, rows, h3, i),
        (f"{config} step h·W_hhᵀ", False, True, n, h3, h),
        (f"{config} step back dG·W_hh", False, False, n, h, h3),
        (f"{config} dW_hh = dGᵀ·H", True, False, h3, h, rows),
        (f"{config} dW_ih = dGᵀ·X", True, False, h3, i, rows),
        (f"{config} dX = dG·W_ih", False, False, rows, i, h3),
    ]


def measure(f, budget=0.6):
    f()
    t0 = time.perf_counter(); f(); once = time.perf_counter() - t0
    per = max(1, int(0.02 / max(once, 1e-9)))
    samples = max(3, min(25, int(budget / max(once * per, 1e-9))))
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(per):
            f()
        times.append((time.perf_counter() - t0) / per)
    return sorted(times)[len(times) // 2]


def main():
    rng = np.random.default_rng(0)
    all_shapes = (shapes("B", 64, 256, 100, 64) + shapes("C", 128, 512, 50, 32)
                  + shapes("D", 32, 128, 1000, 1)
                  + [s for s in shapes("E1", 512, 256, 100, 64) if "W_ih" in s[0] or "dX" in s[0]])
    try:
        import threadpoolctl
        info = threadpoolctl.threadpool_info()
        print("BLAS:", [(d.get("internal_api"), d.get("version"), d.get("architecture"), d.get("num_threads")) for d in info])
    except ImportError:
        print("BLAS: numpy", np.__version__, "OPENBLAS_NUM_THREADS =", os.environ.get("OPENBLAS_NUM_THREADS"))
    for name, ta, tb, m, n, k in all_shapes:
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        out = np.empty((m, n), np.float32)
        op_a, op_b = (a.T if ta else a), (b.T if tb else b)
        t = measure(lambda: np.matmul(op_a, op_b, out=out))
        flops = 2.0 * m * n * k
        unit = f"{t * 1e6:8.1f} µs" if t < 1e-3 else f"{t * 1e3:8.2f} ms"
        print(f"{name:28s}{m:6d}{n:6d}{k:6d}  {unit} {flops / t * 1e-9:7.1f} GF")


if __name__ == "__main__":
    main()
