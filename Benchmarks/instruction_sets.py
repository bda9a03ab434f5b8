#!/usr/bin/env python3
"""Times `cnmf separate` end to end at each build level of the C kernels (CNMF_INSTRUCTION_SET =
portable, avx2, avx512): what a CPU with only SSE2, a CPU with AVX2 + FMA but no AVX-512 (Intel
client CPUs since Alder Lake, AMD before Zen 4) and an AVX-512 CPU run, on this machine.

    python3 Benchmarks/instruction_sets.py AUDIO BASIS [--cnmf .build/release/cnmf]
        [--other-cnmf OLD_BUILD] [--methods nmf,complex-nmf] [--levels portable,avx2,avx512]
        [--rounds 3] [--threads 2]

AUDIO and BASIS: e.g. the 1-minute input of `python3 Benchmarks/make_long_input.py --out
/tmp/long1 --minutes 1` (/tmp/long1/long.wav, /tmp/long1/basis88.npy). Every round runs each
level once (and each level of --other-cnmf, e.g. a copy of an earlier build, right after),
so that the host's swings hit all alike. Prints the median wall time of each level, the real-time
factor (audio seconds per second), the median of the rounds' ratios against the portable build
and against the best level, and with --other-cnmf the ratio OTHER / CNMF per level (> 1: CNMF is
faster). A level the CPU lacks is capped by it (report.json's `instruction_set` says what ran);
such levels are reported as skipped.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LEVELS = ["portable", "avx2", "avx512"]


def separate(cnmf, audio, basis, method, level, threads, out):
    """Wall seconds of one `cnmf separate` and the level its report.json says ran."""
    environment = dict(os.environ, CNMF_INSTRUCTION_SET=level)
    command = [cnmf, "separate", audio, "--basis", basis, "--method", method, "-o", out, "--overwrite", "--quiet",
               "--threads", str(threads)]
    start = time.perf_counter()
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if finished.returncode != 0:
        sys.exit(f"instruction_sets: {' '.join(command)} failed (exit {finished.returncode}): {finished.stderr.strip()}")
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)
    ran = report["parameters"].get("instruction_set", "unknown (a build before CNMF_INSTRUCTION_SET)")
    duration = int(report["format"]["samples"]) / int(report["format"]["sample_rate"])
    return seconds, ran, duration


def ratio_line(values):
    return f"{statistics.median(values):.2f}x (range {min(values):.2f}-{max(values):.2f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    parser.add_argument("basis")
    parser.add_argument("--cnmf", default=".build/release/cnmf")
    parser.add_argument("--other-cnmf", help="another build, timed at the same levels in the same rounds")
    parser.add_argument("--methods", default="nmf,complex-nmf")
    parser.add_argument("--levels", default=",".join(LEVELS), help="levels timed, a subset of " + ",".join(LEVELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    options = parser.parse_args()
    builds = [("cnmf", options.cnmf)] + ([("other", options.other_cnmf)] if options.other_cnmf else [])
    for _, binary in builds:
        if not os.access(binary, os.X_OK):
            sys.exit(f"instruction_sets: '{binary}' is not an executable cnmf")
    for path in (options.audio, options.basis):
        if not os.path.isfile(path):
            sys.exit(f"instruction_sets: no such file '{path}'")
    methods = options.methods.split(",")
    levels = [level for level in LEVELS if level in options.levels.split(",")]
    if not levels or len(levels) != len(options.levels.split(",")):
        sys.exit(f"instruction_sets: --levels '{options.levels}' is not a list of {', '.join(LEVELS)}")
    times = {}  # (method, build, level) -> [seconds per round]
    ran, duration = {}, 0.0
    with tempfile.TemporaryDirectory() as work:
        for _ in range(options.rounds):
            for method in methods:
                for level in levels:
                    for build, binary in builds:
                        seconds, what, duration = separate(binary, options.audio, options.basis, method, level, options.threads,
                                                           os.path.join(work, "out"))
                        times.setdefault((method, build, level), []).append(seconds)
                        ran[(build, level)] = what
    print(f"instruction_sets: cnmf separate of {options.audio} ({duration:.1f} s of audio), {options.threads} threads, "
          f"medians of {options.rounds} interleaved rounds")
    for method in methods:
        present = [level for level in levels if ran[("cnmf", level)] == level]
        for level in levels:
            if level not in present:
                print(f"instruction_sets: {method:11s} {level:8s} skipped: this CPU runs {ran[('cnmf', level)]} instead")
                continue
            ours = times[(method, "cnmf", level)]
            line = (f"instruction_sets: {method:11s} {level:8s} {statistics.median(ours):7.2f} s  "
                    f"({duration / statistics.median(ours):5.2f}x real time)")
            if level != "portable" and "portable" in present:
                line += "   portable / this: " + ratio_line([p / o for p, o in zip(times[(method, "cnmf", "portable")], ours)])
            best = present[-1]
            if level != best:
                line += f"   this / {best}: " + ratio_line([o / b for o, b in zip(ours, times[(method, 'cnmf', best)])])
            if options.other_cnmf:
                other = times[(method, "other", level)]
                line += (f"   other build {statistics.median(other):7.2f} s (ran {ran[('other', level)]}), other / this: "
                         + ratio_line([t / o for t, o in zip(other, ours)]))
            print(line)


if __name__ == "__main__":
    main()
