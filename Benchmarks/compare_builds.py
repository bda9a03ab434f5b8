#!/usr/bin/env python3
"""Compares two builds of the Complex NMF kernel in interleaved rounds, size by size.

    python3 Benchmarks/compare_builds.py OLD_CNMF_BENCH NEW_CNMF_BENCH [--sizes 88x1025,352x1025]
        [--frames 60] [--iterations 20] [--threads 1] [--rounds 9]

Keep a copy of `.build/release/cnmf-bench` before a kernel change (e.g. `cp
.build/release/cnmf-bench /tmp/bench-old`), rebuild, and pass both. For each size (K x F) every
round runs OLD then NEW (`cnmf-bench --components K --bins F ...`, the fastest of 3 timed runs
each), so that the host's swings (±30 % from minute to minute on the development machine) hit
both alike. Prints the fastest time of each build and the median and range of the per-round
ratios OLD/NEW (> 1: NEW is faster), and whether the final costs agree bit for bit.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def timed(binary, components, bins, options):
    command = [binary, "--components", str(components), "--bins", str(bins), "--frames", str(options.frames),
               "--iterations", str(options.iterations), "--threads", str(options.threads), "--repeats", "3"]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.exit(f"compare_builds: {binary} failed (exit {finished.returncode}): {finished.stderr.strip()}")
    report = json.loads(finished.stdout)
    return min(report["seconds"]), report["final_cost"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--sizes", default="88x1025,88x2049,200x1025,352x1025", help="K x F pairs, comma-separated")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()
    for binary in (options.old, options.new):
        if not os.access(binary, os.X_OK):
            sys.exit(f"compare_builds: '{binary}' is not an executable cnmf-bench")
    try:
        sizes = [tuple(int(x) for x in size.split("x")) for size in options.sizes.split(",")]
        if any(len(size) != 2 for size in sizes):
            raise ValueError
    except ValueError:
        sys.exit(f"compare_builds: --sizes '{options.sizes}' is not a list of KxF pairs such as 88x1025,352x1025")
    for components, bins in sizes:
        old_times, new_times, ratios, same = [], [], [], True
        for _ in range(options.rounds):
            old, old_cost = timed(options.old, components, bins, options)
            new, new_cost = timed(options.new, components, bins, options)
            old_times.append(old)
            new_times.append(new)
            ratios.append(old / new)
            same = same and old_cost == new_cost
        print(f"K={components} F={bins}: old {min(old_times) * 1000:.1f} ms, new {min(new_times) * 1000:.1f} ms (fastest); "
              f"old/new median {statistics.median(ratios):.3f} (range {min(ratios):.2f}–{max(ratios):.2f} over {options.rounds} rounds); "
              f"final costs {'identical' if same else 'differ'}", flush=True)


if __name__ == "__main__":
    main()
