#!/usr/bin/env python3
"""Independent check of the Complex NMF rate through the command line, on any spectrogram.

    python3 Benchmarks/cli_check.py SPEC.npy BASIS.npy [--first 0] [--frames 400] [--iterations 300]
                                    [--rounds 5] [--cnmf .build/release/cnmf]

`make bench` times the engine in-process on random data. This script times what a user runs:
the `cnmf complex-nmf` process, on a real spectrogram it never saw (frames [first, first +
frames) of SPEC, complex [bins × frames], mono) with a real basis (BASIS, [bins × K]).

- The CLI runs from jittered phases (`--phase-jitter 0.3`), so it takes the general sweep (the
  K × F × T phase tensor), not the exact shared-phase form of the default start.
- Each round runs it with N iterations and with 1, on 1 and on 2 threads. (t_N − t_1) / (N − 1)
  is the time of one iteration, because process start, reading and writing phase_calc.npy
  (8·K·F·T bytes) are in both runs and cancel. K·F·T over that is the CLI's element-update rate.
- The numpy literal update (the predecessor's style, `numpy_literal_complex_nmf` of
  benchmark.py, complex128) runs in the same rounds on the first 100 of those frames, with the
  same basis.
- Prints the medians over rounds and the median of the rounds' ratios, to compare with
  `make bench`'s "kernel / numpy" line.

Example on the 10-minute input of Benchmarks/make_long_input.py:

    .build/release/cnmf spectrogram /tmp/long/long.wav --mono -o /tmp/long/spec.npy
    python3 Benchmarks/cli_check.py /tmp/long/spec.npy /tmp/long/basis88.npy --first 1000
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark import numpy_literal_complex_nmf  # noqa: E402

NUMPY_FRAMES = 100
NUMPY_ITERATIONS = 3


def cli_seconds(cnmf, spec, basis, iterations, threads, output):
    """Wall time of one `cnmf complex-nmf` process from jittered phases."""
    command = [cnmf, "complex-nmf", spec, str(iterations), basis, "-o", output, "--phase-jitter", "0.3",
               "--threads", str(threads), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spectrogram", help="complex spectrogram .npy [bins × frames] (mono)")
    parser.add_argument("basis", help="basis .npy [bins × components]")
    parser.add_argument("--first", type=int, default=0, help="first frame used (default 0)")
    parser.add_argument("--frames", type=int, default=400, help="frames used (default 400)")
    # The fixed part of a run (start, reading, and above all writing phase_calc.npy) is worth
    # ≈ 150 iterations here, so N must be large for the difference to stand out of the noise.
    parser.add_argument("--iterations", type=int, default=300, help="iterations N of the long CLI run (default 300)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--cnmf", default=".build/release/cnmf")
    args = parser.parse_args()
    import numpy as np

    def load(path):
        try:
            return np.load(path)
        except (OSError, ValueError) as error:
            sys.exit(f"cli_check: {path}: cannot read it as a .npy array ({error})")
    if not os.access(args.cnmf, os.X_OK):
        sys.exit(f"cli_check: {args.cnmf} is not an executable (run `make release` or pass --cnmf)")
    Y = load(args.spectrogram)
    H = load(args.basis)
    if not np.issubdtype(H.dtype, np.floating):
        sys.exit(f"cli_check: {args.basis}: expected a float basis, got {H.dtype}")
    H = H.astype(np.float64)
    if Y.ndim != 2 or not np.iscomplexobj(Y):
        sys.exit(f"cli_check: {args.spectrogram}: expected a complex [bins × frames] array, got {Y.dtype} {Y.shape}")
    if H.ndim != 2 or H.shape[0] != Y.shape[0]:
        sys.exit(f"cli_check: {args.basis}: {H.shape[0] if H.ndim == 2 else '?'} rows, the spectrogram has {Y.shape[0]} bins")
    if args.first < 0 or args.frames < NUMPY_FRAMES or args.first + args.frames > Y.shape[1]:
        sys.exit(f"cli_check: frames {args.first}..<{args.first + args.frames} are not inside the spectrogram's "
                 f"{Y.shape[1]} (and at least {NUMPY_FRAMES} are needed)")
    if args.iterations < 2:
        sys.exit("cli_check: --iterations must be at least 2")
    F, K, T, N = Y.shape[0], H.shape[1], args.frames, args.iterations
    block = np.asfortranarray(Y[:, args.first:args.first + T].astype(np.complex64))

    with tempfile.TemporaryDirectory(prefix="cnmf-cli-check-") as workdir:
        spec = os.path.join(workdir, "spec.npy")
        np.save(spec, block)
        output = os.path.join(workdir, "out")
        # The numpy reference on the first frames, from the mixture phase, the CLI's λ rule.
        Ys = block[:, :NUMPY_FRAMES].astype(np.complex128)
        rng = np.random.default_rng(0)
        U0 = np.abs(rng.standard_normal((K, NUMPY_FRAMES)))
        P0 = np.repeat((Ys / np.maximum(np.abs(Ys), 1e-30))[None], K, axis=0)
        p = 1.2
        lam = 1e-5 * float(np.sum(np.abs(Ys) ** 2)) / F ** (1 - p / 2)
        rates = {1: [], 2: []}
        numpy_rates = []
        cli_seconds(args.cnmf, spec, args.basis, 1, 2, output)  # warm-up (page cache, first plans)
        for _ in range(args.rounds):
            for threads in (1, 2):
                long = cli_seconds(args.cnmf, spec, args.basis, N, threads, output)
                short = cli_seconds(args.cnmf, spec, args.basis, 1, threads, output)
                rates[threads].append(K * F * T / max((long - short) / (N - 1), 1e-9))
            start = time.perf_counter()
            numpy_literal_complex_nmf(Ys, H, U0, P0, lam, p, NUMPY_ITERATIONS)
            numpy_rates.append(K * F * NUMPY_FRAMES * NUMPY_ITERATIONS / (time.perf_counter() - start))

    print(f"cli_check: {args.spectrogram} frames {args.first}..<{args.first + T}, K={K}, F={F}; `cnmf complex-nmf --phase-jitter 0.3` "
          f"(the general sweep), {N} vs 1 iterations, {args.rounds} interleaved rounds")
    for threads in (1, 2):
        ratios = [a / b for a, b in zip(rates[threads], numpy_rates)]
        print(f"cli_check: CLI, {threads} thread{'s' if threads > 1 else ' '}: {statistics.median(rates[threads]) / 1e9:5.2f} G element updates/s; "
              f"numpy literal update (complex128, T={NUMPY_FRAMES}) {statistics.median(numpy_rates) / 1e6:6.1f} M/s; "
              f"ratio {statistics.median(ratios):5.0f}x (range {min(ratios):.0f}–{max(ratios):.0f})")


if __name__ == "__main__":
    main()
