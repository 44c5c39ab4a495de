#!/usr/bin/env python3
"""Crash safety of `gru train`: SIGKILL it at random moments, then check that nothing is lost.

    scripts/kill_test.py [--trials 20] [--seed 1] [--gru PATH] [--work DIR]

Trains a small model on a synthetic CSV time series (two GRU layers with dropout, shuffled
batches, Adam with clipping, a validation split; a few seconds per epoch, several epochs) once
without interruption, then for each trial starts the same run, kills it with SIGKILL after a
random time (seeded) and checks:

- the checkpoint left behind (if the run got past its first epoch) is a complete file that
  `gru evaluate` loads and runs;
- `gru train --resume CHECKPOINT` with the same options (or a fresh run, when no checkpoint
  was written yet) finishes, and its final model file is byte for byte the uninterrupted
  run's, and its metrics log has the same epochs with the same losses;
- no temporary file (`.NAME.PID-RANDOM.tmp`) is left in the run's folder after it finishes.

Prints one line per trial and a summary; exits 1 if any trial fails. Needs only the Python
standard library and a release build of gru (built with `swift build -c release` if --gru is
not given).
"""
import argparse
import json
import math
import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_series(path, rows=4000, seed=3):
    """A noisy two-column series: x = sin, y = a lagged mix of x and cos."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("t,x,y\n")
        for t in range(rows):
            x = math.sin(t / 9.0) + 0.1 * rng.gauss(0, 1)
            y = 0.6 * math.sin((t - 3) / 9.0) + 0.4 * math.cos(t / 17.0) + 0.1 * rng.gauss(0, 1)
            f.write(f"{t},{x:.6f},{y:.6f}\n")


def train_args(gru, csv, folder, epochs):
    return [gru, "train", "--csv", csv, "--features", "x,y", "--target", "y", "--window", "32",
            "--hidden-size", "64", "--layers", "2", "--dropout", "0.2", "--batch-size", "4",
            "--epochs", str(epochs), "--optimizer", "adam", "--lr", "0.003", "--clip-norm", "1",
            "--validation-split", "0.1", "--seed", "7", "--progress", "none",
            "--save", os.path.join(folder, "model.safetensors")]


def checkpoint_epoch(path):
    """The epoch a checkpoint was written after, from its safetensors header's metadata."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
    return json.loads(header["__metadata__"]["grukit.training"])["state"]["epoch"]


def losses(metrics_path):
    """(epoch, step, training loss, validation loss) of every epoch in a metrics log."""
    with open(metrics_path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    keys = [k for k in records[0] if k not in ("seconds",)] if records else []
    return [tuple(r.get(k) for k in keys) for r in records]


def temporaries(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp"))


def run(args, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1, help="the seed of the kill times")
    parser.add_argument("--gru", help="the gru executable (default: build it in release)")
    parser.add_argument("--work", help="a folder to work in (default: a temporary one, removed)")
    options = parser.parse_args()

    gru = options.gru
    if gru is None:
        subprocess.run(["swift", "build", "-c", "release", "--product", "gru"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        gru = os.path.join(ROOT, ".build", "release", "gru")
    work = options.work or tempfile.mkdtemp(prefix="gru-kill-")
    os.makedirs(work, exist_ok=True)
    csv = os.path.join(work, "series.csv")
    write_series(csv)

    reference = os.path.join(work, "reference")
    os.makedirs(reference, exist_ok=True)
    start = time.monotonic()
    r = run(train_args(gru, csv, reference, options.epochs))
    duration = time.monotonic() - start
    if r.returncode != 0:
        print(r.stdout)
        sys.exit("error: the uninterrupted run failed")
    expected_model = open(os.path.join(reference, "model.safetensors"), "rb").read()
    expected_losses = losses(os.path.join(reference, "model.metrics.jsonl"))
    print(f"uninterrupted run: {options.epochs} epochs in {duration:.1f} s "
          f"({duration / options.epochs:.1f} s per epoch), model {len(expected_model)} bytes")

    rng = random.Random(options.seed)
    failures = 0
    for trial in range(1, options.trials + 1):
        folder = os.path.join(work, f"trial-{trial:02d}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        delay = rng.uniform(0.3, 0.95 * duration)
        process = subprocess.Popen(train_args(gru, csv, folder, options.epochs),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        finished_first = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        problems = []
        checkpoint = os.path.join(folder, "model.checkpoint.safetensors")
        left = temporaries(folder)
        epoch = None
        if os.path.exists(checkpoint):
            try:
                epoch = checkpoint_epoch(checkpoint)
            except Exception as error:  # noqa: BLE001 - any failure to parse is a finding
                problems.append(f"checkpoint header unreadable: {error}")
            e = run([gru, "evaluate", "--model", checkpoint, "--csv", csv])
            if e.returncode != 0:
                problems.append("gru evaluate on the checkpoint failed: " + e.stdout.strip().splitlines()[-1])
            resume = run(train_args(gru, csv, folder, options.epochs) + ["--resume", checkpoint])
        else:
            resume = run(train_args(gru, csv, folder, options.epochs))
        if resume.returncode != 0:
            problems.append("the resumed run failed: " + resume.stdout.strip().splitlines()[-1])
        else:
            model = open(os.path.join(folder, "model.safetensors"), "rb").read()
            if model != expected_model:
                problems.append("final model differs from the uninterrupted run's")
            if losses(os.path.join(folder, "model.metrics.jsonl")) != expected_losses:
                problems.append("metrics log differs from the uninterrupted run's")
        after = temporaries(folder)
        if after:
            problems.append(f"temporary files left after the run: {after}")
        state = "finished before the kill" if finished_first else (
            f"checkpoint after epoch {epoch}" if epoch is not None else "no checkpoint yet")
        verdict = "ok  " if not problems else "FAIL"
        print(f"{verdict} trial {trial:2d}: killed at {delay:5.1f} s, {state}, {len(left)} temporary file(s) left by the kill; "
              + ("resumed: weights identical, temporaries cleaned" if not problems else "; ".join(problems)))
        failures += bool(problems)

    print(f"{options.trials - failures} passed, {failures} failed")
    if not options.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
