#!/usr/bin/env python3
"""GRUKit against PyTorch and ONNX Runtime on the same workloads, in the same run.

    swift build -c release
    python3 scripts/bench_frameworks.py [--config A1,B] [--threads 1,2] [--seconds 1] [--rounds 3] [--markdown]

For every configuration (see `gru bench --help`), mode and thread count it times:
- PyTorch: torch.nn.GRU (+ Linear + sigmoid for A) — inference under torch.inference_mode,
  training as forward + loss + backward + torch.optim.SGD step (BCEWithLogits on the head for A,
  MSE on every step's output otherwise), with torch.set_num_threads(t);
- ONNX Runtime: the same model exported with torch.onnx.export, inference only, with
  intra_op_num_threads = t;
- GRUKit: `.build/release/gru bench --json` on the same configurations.
Each is timed the same way (one warm-up, then runs until both --seconds and 5 runs are reached,
median), each framework in its own process so thread settings and memory do not mix. With
--rounds R (default 3) every workload is timed R times, the frameworks taking turns, and each
framework's best median of its R is reported: on a shared machine a neighbour's burst then
slows one round of one framework, not the table.
The `gru` tool keeps large arrays in the heap (GRUKit's HeapTuning: glibc's mmap threshold 32 MiB,
trim threshold 256 MiB); PyTorch and ONNX Runtime run as their users get them, on glibc's
defaults (the same settings, through MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_, made
PyTorch's B training step slower on an Ice Lake machine: 148-149 ms against 174-202 ms; on a
Zen 5 machine they changed nothing: 125.2 against 125.5 ms). --frameworks-same-heap
gives them GRUKit's settings; --glibc-defaults runs gru on glibc's defaults too.
Prints median ms per framework and the ratios theirs / ours (above 1: GRUKit is faster), and
the peak resident memory of B's training step. Machines are shared and noisy: compare ratios.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CONFIGS = {  # name: (I, H, T, N, layers, bidirectional, head)
    "A1": (2, 16, 16, 1, 1, False, True),
    "A64": (2, 16, 16, 64, 1, False, True),
    "B": (64, 256, 100, 64, 1, False, False),
    "C": (128, 512, 50, 32, 1, False, False),
    "D": (32, 128, 1000, 1, 1, False, False),
    "E": (64, 256, 100, 64, 2, True, False),
}

WORKER = r'''
import json, os, sys, time
import torch
name, framework, mode, threads, seconds, onnx_path = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
I, H, T, N, L, bi, head = json.loads(sys.argv[7])
torch.manual_seed(1)
torch.set_num_threads(threads)
torch.set_num_interop_threads(1)

class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = torch.nn.GRU(I, H, num_layers=L, bidirectional=bi)
        self.head = torch.nn.Linear(H, 1) if head else None
    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out) if self.head is not None else out

def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024

model = Model()
x = torch.rand(T, N, I) * 2 - 1
width = 1 if head else (2 if bi else 1) * H
target = torch.rand(T, N, width)
if head:
    target = target.round()

if framework == "pytorch" and mode == "infer":
    def step():
        with torch.inference_mode():
            return model(x)
elif framework == "pytorch":
    sgd = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.BCEWithLogitsLoss() if head else torch.nn.MSELoss()
    def step():
        sgd.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), target)
        loss.backward()
        sgd.step()
        return loss
else:
    import onnxruntime as ort
    with torch.no_grad():
        torch.onnx.export(model, (x,), onnx_path, input_names=["x"], output_names=["y"], dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy()}
    def step():
        return session.run(None, feed)

before = rss("VmRSS")
step()
times = []
deadline = time.perf_counter() + seconds
while len(times) < 5 or time.perf_counter() < deadline:
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2] * 1e3, "runs": len(times), "rss_before_mb": before, "peak_rss_mb": rss("VmHWM")}))
'''


# The allocator settings `gru` makes at start-up (Sources/CGRUKernels/heap.c), as glibc variables.
SAME_HEAP = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(256 << 20)}


def run_framework(name, framework, mode, threads, seconds, tmp, env):
    """`env`: variables added to this process's for the framework's process."""
    args = [sys.executable, "-c", WORKER, name, framework, mode, str(threads), str(seconds),
            os.path.join(tmp, f"{name}.onnx"), json.dumps(CONFIGS[name])]
    out = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads), **env))
    if out.returncode != 0:
        raise RuntimeError(f"{framework} {name} {mode}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_grukit(name, mode, threads, seconds, env):
    """`env`: variables added to this process's for `gru`."""
    binary = os.path.join(ROOT, ".build", "release", "gru")
    out = subprocess.run([binary, "bench", "--config", name, "--mode", mode, "--threads", str(threads),
                          "--seconds", str(seconds), "--json"], capture_output=True, text=True, env=dict(os.environ, **env))
    if out.returncode != 0:
        raise RuntimeError(f"gru bench {name} {mode} {threads}: {out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(results):
    """The result with the smallest median of one framework's rounds (None when it has none)."""
    results = [r for r in results if r is not None]
    return min(results, key=lambda r: r["median_ms"]) if results else None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=",".join(CONFIGS))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--seconds", type=float, default=1.0)
    p.add_argument("--rounds", type=int, default=3, help="times each workload is timed; the best median counts")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--glibc-defaults", action="store_true", help="gru too on glibc's default allocator settings")
    p.add_argument("--frameworks-same-heap", action="store_true",
                   help="PyTorch and ONNX Runtime with gru's allocator settings (mmap threshold 32 MiB, trim 256 MiB)")
    a = p.parse_args()
    grukit_env = {"GRUKIT_GLIBC_DEFAULTS": "1"} if a.glibc_defaults else {}
    framework_env = SAME_HEAP if a.frameworks_same_heap else {}
    if a.rounds < 1:
        p.error(f"--rounds must be at least 1, got {a.rounds}")
    rows = []
    probe = subprocess.run([os.path.join(ROOT, ".build", "release", "gru"), "bench", "--config", "A1", "--mode", "infer",
                            "--seconds", "0", "--repetitions", "1", "--json"], capture_output=True, text=True)
    kernels = json.loads(probe.stdout.splitlines()[0])
    print(f"GRUKit kernels: {kernels['kernels']}, one core's FMA peak measured {kernels['fma_peak_gflops']:.0f} GFLOP/s; "
          f"PyTorch {__import__('torch').__version__}, ONNX Runtime {__import__('onnxruntime').__version__}; "
          + f"allocator: GRUKit {'glibc defaults' if a.glibc_defaults else 'HeapTuning'}, "
          + f"PyTorch and ONNX Runtime {'HeapTuning settings' if a.frameworks_same_heap else 'glibc defaults'}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.config.split(","):
            for mode in ("infer", "train"):
                for threads in (int(t) for t in a.threads.split(",")):
                    rounds = [(run_grukit(name, mode, threads, a.seconds, grukit_env),
                               run_framework(name, "pytorch", mode, threads, a.seconds, tmp, framework_env),
                               run_framework(name, "onnxruntime", mode, threads, a.seconds, tmp, framework_env)
                               if mode == "infer" else None)
                              for _ in range(a.rounds)]
                    ours, torch_, ort_ = (best(r[k] for r in rounds) for k in range(3))
                    rows.append((name, mode, threads, ours, torch_, ort_))
                    print(f"# {name} {mode} t{threads}: GRUKit {ours['median_ms']:.4f} ms, PyTorch {torch_['median_ms']:.4f} ms"
                          + (f", ONNX Runtime {ort_['median_ms']:.4f} ms" if ort_ else ""), file=sys.stderr, flush=True)
    sep = " | " if a.markdown else "  "
    head = ["config", "mode", "threads", "GRUKit ms", "GFLOP/s", "% peak", "PyTorch ms", "ORT ms", "PyTorch/GRUKit", "ORT/GRUKit"]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print(sep.join(f"{h:>14}" for h in head))
    for name, mode, threads, ours, t, o in rows:
        peak = kernels["fma_peak_gflops"] * threads
        cells = [name, mode, str(threads), f"{ours['median_ms']:.4f}", f"{ours['gflops']:.1f}",
                 f"{100 * ours['gflops'] / peak:.0f}" if peak else "—", f"{t['median_ms']:.4f}",
                 f"{o['median_ms']:.4f}" if o else "—", f"{t['median_ms'] / ours['median_ms']:.2f}×",
                 f"{o['median_ms'] / ours['median_ms']:.2f}×" if o else "—"]
        print(("| " + " | ".join(cells) + " |") if a.markdown else sep.join(f"{c:>14}" for c in cells))
    for name, mode, threads, ours, t, o in rows:
        if name == "B" and mode == "train" and "peak_rss_mb" in ours:
            print(f"\nB training, {threads} thread(s): peak resident memory GRUKit {ours['peak_rss_mb']:.0f} MiB "
                  f"(+{ours['peak_rss_mb'] - ours['rss_before_mb']:.0f} over its start), PyTorch {t['peak_rss_mb']:.0f} MiB "
                  f"(+{t['peak_rss_mb'] - t['rss_before_mb']:.0f} over its start after import and model creation)")


if __name__ == "__main__":
    main()
