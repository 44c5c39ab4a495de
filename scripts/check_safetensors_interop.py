#!/usr/bin/env python3
"""Checks that safetensors files written by GRUKit load in the Python `safetensors` package.

    python3 scripts/check_safetensors_interop.py [--scratch-path .build]

Runs `swift test --filter SafeTensorsInteropTests` with GRUKIT_INTEROP_DIR set to a temporary
directory, so the Swift test writes its files there; then loads each file with
safetensors.numpy.load_file (and safe_open for the metadata) and compares every tensor --
dtype, shape and every element, NaN and the sign of zero included -- with the values below,
which restate independently what Tests/GRUKitTests/SafeTensorsInteropTests.swift writes.
Where the metadata has at most one key (so its order is fixed), it also checks that Python
serialises the loaded tensors to the very same bytes. Exits non-zero on any difference.

Needs: numpy, safetensors, a Swift toolchain. Never run by `swift test`.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INF, NAN = float("inf"), float("nan")
SPECIALS = [0.0, -0.0, 1.0, -1.5, 0.1, 1e-45, INF, -INF, NAN, 3.4028234663852886e38]
NAMES = ["quote\"d", "tab\tname", "ünïcödé ✓", "a.b/c:d", "", "back\\slash", "ctl\x01"]

EXPECTED = {
    "floats.safetensors": (
        {"format": "pt", "note": "GRUKit ✓ \"quoted\"\nline\ttab\\ end"},
        {
            "scalar": np.array(3.25, np.float32),
            "empty": np.zeros((0, 3), np.float32),
            "block": np.zeros((3, 0, 2), np.float32),
            "specials": np.array(SPECIALS, np.float32),
            "ramp": (np.arange(24, dtype=np.float32) / 8 - 1.5).reshape(2, 3, 4),
        },
    ),
    "doubles.safetensors": (
        {"format": "np"},
        {
            "specials": np.array(SPECIALS + [5e-324, 1.7976931348623157e308], np.float64),
            "ramp": (np.arange(20, dtype=np.float64) * 0.1).reshape(4, 5),
            "rounded": np.array([0.1, 1 / 3, -2 / 3], np.float32),
        },
    ),
    "integers.safetensors": (
        None,
        {
            "extremes": np.array([-(2**63), 2**63 - 1, 0, -1, 2**53 + 1], np.int64),
            "lengths": np.array([[5, 1, 7], [0, 3, 2]], np.int64),
            "scalar": np.array(-42, np.int64),
            "empty": np.zeros((0,), np.int64),
        },
    ),
    "names.safetensors": (None, {name: np.array([i], np.float32) for i, name in enumerate(NAMES)}),
    "mixed.safetensors": (
        {"k": "v"},
        {"w": np.array([1, 2, 3], np.float32), "b": np.array([0.5], np.float64), "n": np.array([7, -7], np.int64)},
    ),
    "empty.safetensors": (None, {}),
}


def same(got, want):
    """Same dtype, shape and elements; NaN equals NaN, 0.0 differs from -0.0."""
    if got.dtype != want.dtype or got.shape != want.shape:
        return False
    if want.dtype.kind == "f":
        return bool(np.array_equal(got, want, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(want)))
    return bool(np.array_equal(got, want))


def check(path, metadata, tensors):
    """Problems found in one file, as strings."""
    problems = []
    loaded = load_file(path)
    with safe_open(path, framework="np") as f:
        got_metadata = f.metadata()
    if got_metadata != metadata:
        problems.append(f"metadata {got_metadata!r}, expected {metadata!r}")
    if set(loaded) != set(tensors):
        problems.append(f"tensors {sorted(loaded)}, expected {sorted(tensors)}")
    for name, want in tensors.items():
        got = loaded.get(name)
        if got is not None and not same(got, want):
            problems.append(f"{name!r}: got {got.dtype}{list(got.shape)} {got.ravel()[:12]}, expected {want.dtype}{list(want.shape)} {want.ravel()[:12]}")
    if metadata is None or len(metadata) <= 1:
        with open(path, "rb") as f:
            if save(loaded, metadata=metadata) != f.read():
                problems.append("Python serialises the loaded tensors to different bytes")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch-path", default=".build", help="swift build folder (default .build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grukit-interop-") as directory:
        command = ["swift", "test", "--scratch-path", args.scratch_path, "--filter", "SafeTensorsInteropTests"]
        print("$ GRUKIT_INTEROP_DIR=" + directory + " " + " ".join(command), flush=True)
        run = subprocess.run(command, cwd=ROOT, env={**os.environ, "GRUKIT_INTEROP_DIR": directory},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode != 0:
            print(run.stdout)
            print(f"swift test failed with exit code {run.returncode}")
            return 1
        print("\n".join(line for line in run.stdout.splitlines() if "writeFilesForPython" in line or "Test run" in line))
        failures = 0
        for file, (metadata, tensors) in EXPECTED.items():
            path = os.path.join(directory, file)
            problems = [f"missing: {path}"] if not os.path.exists(path) else check(path, metadata, tensors)
            elements = sum(t.size for t in tensors.values())
            status = "ok  " if not problems else "FAIL"
            print(f"{status} {file}: {len(tensors)} tensors, {elements} elements, metadata {metadata!r}")
            for problem in problems:
                print(f"     {problem}")
            failures += bool(problems)
        extra = sorted(set(os.listdir(directory)) - set(EXPECTED))
        if extra:
            print(f"FAIL unexpected files written: {extra}")
            failures += 1
        print(f"{len(EXPECTED) - failures} of {len(EXPECTED)} files load in safetensors as written" if not failures
              else f"{failures} problem(s)")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
