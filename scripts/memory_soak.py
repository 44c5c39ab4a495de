#!/usr/bin/env python3
"""Resident memory of a long run, sampled while it runs: does it stay flat?

    python3 scripts/memory_soak.py [--interval 0.5] -- COMMAND [ARG ...]

Starts COMMAND, reads its VmRSS from /proc every --interval seconds until it exits, and prints
the samples' summary: RSS after the first 10 % of the run (warm-up: buffers allocated, caches
filled), at the end, the maximum, and the least-squares slope over the last 90 % in MiB per
minute. A flat run has an end RSS within a few MiB of its post-warm-up RSS and a slope near 0.
Exits with COMMAND's status.
"""
import argparse
import subprocess
import sys
import time


def rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--interval", type=float, default=0.5)
    p.add_argument("command", nargs=argparse.REMAINDER)
    a = p.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        p.error("give the command to run after --")
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    samples = []
    while child.poll() is None:
        r = rss_mib(child.pid)
        if r is not None:
            samples.append((time.monotonic() - start, r))
        time.sleep(a.interval)
    if len(samples) < 10:
        print(f"only {len(samples)} samples: run longer or lower --interval", file=sys.stderr)
        return child.returncode or 1
    warm = samples[len(samples) // 10:]
    n = len(warm)
    mt = sum(t for t, _ in warm) / n
    mr = sum(r for _, r in warm) / n
    slope = sum((t - mt) * (r - mr) for t, r in warm) / max(sum((t - mt) ** 2 for t, _ in warm), 1e-12)
    print(f"{' '.join(command)}")
    print(f"ran {samples[-1][0]:.1f} s, {len(samples)} samples; RSS after warm-up {warm[0][1]:.1f} MiB, "
          f"at the end {samples[-1][1]:.1f} MiB, max {max(r for _, r in samples):.1f} MiB, "
          f"slope after warm-up {slope * 60:+.3f} MiB/min; exit status {child.returncode}")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
