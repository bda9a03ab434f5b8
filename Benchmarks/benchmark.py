#!/usr/bin/env python3
"""ComplexNMF benchmarks: prints figures and ratios against reference runs made in the same script.

Run through `make bench` (builds the release binaries first), or directly:
    python3 Benchmarks/benchmark.py [--cnmf .build/release/cnmf] [--cnmf-bench .build/release/cnmf-bench]
                                    [--repeats 5] [stft] [nmf] [complex_nmf]

Sections
  stft         A 60 s 22.05 kHz mono WAV, n_fft 2048, hop 512, hann, centred. (1) Like for like, process
               against process: `cnmf spectrogram` (decode, STFT, write .npy) vs a `python3 -c` doing
               soundfile.read + librosa.stft + np.save, Python's interpreter start + imports reported on
               their own; (2) the same work inside an already running Python vs our whole process;
               (3) in process, the transform alone: our library STFT of the decoded samples (timed in
               `cnmf-bench stft`, 1 and 2 threads) vs librosa.stft of the same array timed here. The same
               three for `cnmf resynth` / librosa.istft (+ soundfile.write). Each round of (3) also times
               our transforms with FFTW_ESTIMATE plans (`cnmf-bench stft --plans estimate`) against the
               plans from the shipped FFTW wisdom that the package uses (Spectral/FFTWisdom.swift).
  nmf          `NMF.decompose` (`cnmf-bench nmf`, fixed basis) vs scikit-learn's
               non_negative_factorization(update_H=False, solver='mu', tol=0) on the same float32 data,
               K = 88, F = 1025, T = 2000, 100 iterations, Euclidean, KL and beta = 0.5, 1 and 2
               threads (sklearn's BLAS limited with threadpoolctl); skipped when sklearn is missing.
               Euclidean runs 7 interleaved rounds (ours, then sklearn, each the median of its
               repeats) and prints the median of the rounds' ratios with their range; then again
               at T = 20000 (a 4-minute song at hop 512), 5 rounds of one fit each.
               First the roofline of the Euclidean iterations (this core's peak FMA rate measured by
               Benchmarks/fma_peak.c, compiled here with `cc -O3 -march=native`), what AMX bf16
               tiles would give the same G·U product with split (hi + lo) operands
               (Benchmarks/amx_split_product.c, a probe: the kernel does not use AMX), and where our
               Euclidean time goes (a 1-iteration run: HᵀV, ‖v‖², set-up; then per iteration).
               After each Euclidean comparison, the bound the roofline puts on its ratio: G·U and
               HᵀV alone at the FMA peak of every thread, against scikit-learn's median.
  complex_nmf  The Complex NMF engine (`cnmf-bench`, in-process) on random data, K = 88, F = 1025,
               T = 400, 20 iterations: element updates per second (one element update = one
               (component, bin) pair of one frame in one iteration) on one core and on two threads,
               the kernel alone (arrays allocated once) and `ComplexNMF.decompose` end to end from
               random phases (the general sweep) and from the default start (the mixture phase,
               which decompose runs through its exact shared-phase shortcut); the C
               yardstick `Benchmarks/yardstick/cnmf_yardstick.c` (compiled here with
               `cc -O3 -march=native -ffast-math`) at the same sizes; a predecessor-style numpy
               implementation (the literal update on K×F×T complex128 arrays) at T = 100, which is
               what fits in memory; time(4T)/time(T) and time(4K)/time(K), with the memory bound of
               K = 352 (Benchmarks/stream_bound.c: a frame's basis and phases streamed through the
               caches with no arithmetic); peak resident memory.
               The runs behind every ratio (2-thread speed-ups, time(4T)/time(T), time(4K)/time(K))
               are interleaved, round after round (11 rounds; in each, every configuration runs as
               one process: an untimed warm-up, then one timed run), and each ratio is the median
               of its same-round pairs, printed with their range. The kernel against the yardstick
               and numpy likewise, in 7 rounds of its own.
Python references are skipped with a clear line when numpy/librosa/soundfile are missing.
All timings are medians of --repeats runs on this machine.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def median_seconds(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(command):
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def process_seconds(command, repeats, check=True):
    """Median wall time of running `command` as a whole process (start, work, exit)."""
    return median_seconds(lambda: subprocess.run(command, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), repeats)


# Interleaved rounds of the in-process STFT / ISTFT comparisons.
STFT_ROUNDS = 7


def stft_section(cnmf, bench, repeats, workdir):
    try:
        import numpy as np
        import soundfile as sf
        import librosa
    except ImportError as error:
        print(f"stft: skipped, Python reference unavailable ({error})")
        return
    rate, seconds = 22050, 60
    rng = np.random.default_rng(1)
    t = np.arange(rate * seconds) / rate
    signal = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)).astype(np.float32)
    wav = os.path.join(workdir, "sixty_seconds.wav")
    sf.write(wav, signal, rate, subtype="PCM_16")
    spec = os.path.join(workdir, "spec.npy")
    ref_npy = os.path.join(workdir, "ref.npy")
    ms = 1000
    run([cnmf, "spectrogram", wav, "-o", spec, "--overwrite", "-q"])  # warm the page cache

    # 1. Like for like, process against process: both start from nothing, decode the WAV, run
    #    the STFT (n_fft 2048, hop 512, hann, centred) and save a .npy. Python's share of it is
    #    interpreter start + `import numpy, soundfile, librosa`, reported on its own line.
    ours = process_seconds([cnmf, "spectrogram", wav, "-o", spec, "--overwrite", "-q"], repeats)
    our_start = process_seconds([cnmf, "spectrogram", os.path.join(workdir, "missing.wav"), "-o", spec, "-q"], repeats, check=False)
    # librosa loads its submodules lazily: touching librosa.stft / istft loads them.
    imports = "import numpy as np, soundfile as sf, librosa; librosa.stft, librosa.istft"
    python_start = process_seconds([sys.executable, "-c", imports], repeats)
    python_stft = process_seconds([sys.executable, "-c", f"{imports}; y, _ = sf.read({wav!r}, dtype='float32'); "
                                   f"np.save({ref_npy!r}, librosa.stft(y, n_fft=2048, hop_length=512))"], repeats)
    print(f"stft: cnmf spectrogram, 60 s WAV -> .npy, whole process (start, decode, STFT, write): {ours * ms:8.1f} ms"
          f"   (of which process start + argument parsing ~{our_start * ms:.1f} ms)")
    print(f"stft: python3 -c 'sf.read + librosa.stft + np.save', whole process (same work):     {python_stft * ms:8.1f} ms   ratio {python_stft / ours:5.2f}x"
          f"   (of which interpreter start + imports {python_start * ms:.1f} ms; the rest includes librosa's first-call set-up)")

    # 2. The same work inside an already running Python (no start, no imports) against our whole process.
    def reference():
        y, _ = sf.read(wav, dtype="float32")
        np.save(ref_npy, librosa.stft(y, n_fft=2048, hop_length=512))
    theirs = median_seconds(reference, repeats)
    print(f"stft: the same inside a running Python (no start, no imports) vs our whole process:  {theirs * ms:8.1f} ms   ratio {theirs / ours:5.2f}x")

    # 3. In process, the transform alone: our library on the decoded samples (timed in cnmf-bench)
    #    against librosa.stft on the same decoded array (timed here), and the inverse likewise, in
    #    interleaved rounds (ours on 1 and 2 threads, then librosa's, again and again), so that a
    #    slow moment of this shared host hits both sides; each ratio is the median of the rounds'.
    y, _ = sf.read(wav, dtype="float32")
    S = librosa.stft(y, n_fft=2048, hop_length=512)
    #    Each round also times our transforms with FFTW_ESTIMATE plans for every size (what the
    #    package did before it shipped FFTW wisdom, see FFTWisdom.swift), on 1 and 2 threads.
    inside = {1: [], 2: []}
    estimate = {1: [], 2: []}
    theirs_forward, theirs_inverse_only = [], []
    if os.access(bench, os.X_OK):
        for _ in range(STFT_ROUNDS):
            for plans, reports in (("shipped-wisdom", inside), ("estimate", estimate)):
                for threads in (1, 2):
                    output = subprocess.run([bench, "stft", wav, "--threads", str(threads), "--repeats", str(max(5, repeats)),
                                             "--plans", plans, "--scratch", os.path.join(workdir, "bench.npy")],
                                            check=True, capture_output=True, text=True).stdout
                    reports[threads].append(json.loads(output))
            theirs_forward.append(median_seconds(lambda: librosa.stft(y, n_fft=2048, hop_length=512), repeats))
            theirs_inverse_only.append(median_seconds(lambda: librosa.istft(S, hop_length=512, n_fft=2048, length=len(y)), repeats))
        for threads, reports in inside.items():
            print(f"stft: in process, STFT of the decoded samples, {threads} thread{'s' if threads > 1 else ' '}: "
                  + interleaved_line([r["forward_median_seconds"] for r in reports], theirs_forward, "librosa.stft"))
        r = inside[2][-1]
        print(f"stft: in process, our stages (2 threads, last round): decode {r['decode_median_seconds'] * ms:.1f} ms, STFT + .npy write "
              f"{r['forward_and_write_median_seconds'] * ms:.1f} ms, first FFTW plan {r['first_plan_seconds'] * ms:.1f} ms "
              f"(forward plan: {r['forward_plan']}, inverse plan: {r['inverse_plan']}); "
              f"sf.read {median_seconds(lambda: sf.read(wav, dtype='float32'), repeats) * ms:.1f} ms")
        for threads in (1, 2):
            def stage(reports, name):
                return [report[name + "_median_seconds"] for report in reports[threads]]
            print(f"stft: in process, shipped-wisdom FFTW plans vs FFTW_ESTIMATE plans, {threads} thread{'s' if threads > 1 else ' '}: "
                  f"STFT {statistics.median(stage(inside, 'forward')) * ms:.1f} vs {statistics.median(stage(estimate, 'forward')) * ms:.1f} ms, "
                  f"{paired(stage(estimate, 'forward'), stage(inside, 'forward'))}; "
                  f"ISTFT {statistics.median(stage(inside, 'inverse')) * ms:.1f} vs {statistics.median(stage(estimate, 'inverse')) * ms:.1f} ms, "
                  f"{paired(stage(estimate, 'inverse'), stage(inside, 'inverse'))}")
    else:
        print(f"stft: in-process comparison skipped, {bench} is not built")

    out = os.path.join(workdir, "resynth.wav")
    ref_wav = os.path.join(workdir, "ref.wav")
    ours_inverse = process_seconds([cnmf, "resynth", spec, "-o", out, "--overwrite", "-q"], repeats)
    python_inverse = process_seconds([sys.executable, "-c", f"{imports}; S = np.load({spec!r}); "
                                      f"sf.write({ref_wav!r}, librosa.istft(S, hop_length=512, n_fft=2048, length={len(y)}), {rate}, subtype='PCM_16')"], repeats)
    S = np.load(spec)

    def reference_inverse():
        sf.write(ref_wav, librosa.istft(np.load(spec), hop_length=512, n_fft=2048, length=len(y)), rate, subtype="PCM_16")
    theirs_inverse = median_seconds(reference_inverse, repeats)
    print(f"istft: cnmf resynth, .npy -> WAV, whole process (start, read, ISTFT, write):         {ours_inverse * ms:8.1f} ms")
    print(f"istft: python3 -c 'np.load + librosa.istft + sf.write', whole process (same work):   {python_inverse * ms:8.1f} ms   ratio {python_inverse / ours_inverse:5.2f}x")
    print(f"istft: the same inside a running Python (no start, no imports) vs our whole process: {theirs_inverse * ms:8.1f} ms   ratio {theirs_inverse / ours_inverse:5.2f}x")
    for threads, reports in inside.items():
        if reports:
            print(f"istft: in process, ISTFT of the same spectrogram, {threads} thread{'s' if threads > 1 else ' '}: "
                  + interleaved_line([r["inverse_median_seconds"] for r in reports], theirs_inverse_only, "librosa.istft"))


def paired(numerators, denominators, digits=2):
    """The median of the same-round ratios numerator / denominator, with their range."""
    ratios = sorted(a / b for a, b in zip(numerators, denominators))
    return (f"{statistics.median(ratios):.{digits}f}x (range {ratios[0]:.{digits}f}–{ratios[-1]:.{digits}f} "
            f"over {len(ratios)} interleaved rounds)")


def interleaved_line(ours, theirs, name):
    """Medians of our and the reference's per-round seconds and the median of the rounds' ratios
    (their time / ours) with its range."""
    ms = 1000
    return (f"ours {statistics.median(ours) * ms:6.1f} ms, {name} {statistics.median(theirs) * ms:6.1f} ms   "
            f"ratio {paired(theirs, ours)}")


def cnmf_bench(binary, repeats, **options):
    """One `cnmf-bench` run (untimed warm-up, then `repeats` timed runs); returns its JSON report."""
    subcommand = options.pop("subcommand", None)
    command = [binary] + ([subcommand] if subcommand else []) + ["--repeats", str(repeats)]
    for name, value in options.items():
        command += ["--" + name.replace("_", "-")] + ([] if value is None else [str(value)])  # None: a flag
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def numpy_literal_complex_nmf(Y, H, U, P, lam, p, iterations, eps=1e-12):
    """The predecessor's style: the literal auxiliary-function update on K×F×T arrays, complex128.

    beta = H U / S,  Xbar = H U P + beta R,  P <- Xbar/|Xbar|,
    U <- sum_f H |Xbar| / beta / (sum_f H^2 / beta + lambda p U^(p-2)), and the cost after each update.
    """
    import numpy as np
    Ht = H.T[:, :, None]
    costs = []
    for _ in range(iterations):
        HU = Ht * U[:, None, :]
        S = HU.sum(axis=0)
        R = Y - (HU * P).sum(axis=0)
        beta = HU / (S + eps)
        Xbar = HU * P + beta * R
        absX = np.abs(Xbar)
        P = Xbar / (absX + eps)
        U = (Ht * absX / (beta + eps)).sum(axis=1) / ((Ht ** 2 / (beta + eps)).sum(axis=1) + lam * p * U ** (p - 2))
        U = np.maximum(U, 1e-30)
        R = Y - ((Ht * U[:, None, :]) * P).sum(axis=0)
        costs.append(float(np.sum(np.abs(R) ** 2) + 2 * lam * np.sum(U ** p)))
    return U, P, costs


def numpy_worker(bins, components, frames, iterations, repeats):
    """Runs in a child process (so its peak memory is its own); prints a JSON report."""
    import numpy as np
    rng = np.random.default_rng(12345)
    Y = rng.standard_normal((bins, frames)) + 1j * rng.standard_normal((bins, frames))
    H = rng.random((bins, components))
    H /= H.sum(axis=0)
    U = np.abs(rng.standard_normal((components, frames)))
    P = np.repeat((Y / np.abs(Y))[None], components, axis=0)
    p = 1.2
    lam = 1e-5 * float(np.sum(np.abs(Y) ** 2)) / bins ** (1 - p / 2)
    seconds = median_seconds(lambda: numpy_literal_complex_nmf(Y, H, U, P, lam, p, iterations), repeats)
    print(json.dumps({"median_seconds": seconds, "updates_per_second": components * bins * frames * iterations / seconds,
                      "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def yardstick(cc, workdir, variant, bins, components, frames, iterations, repeats):
    """Compiles (once) and runs the C yardstick; returns element updates per second."""
    binary = os.path.join(workdir, "cnmf_yardstick")
    if not os.path.exists(binary):
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "yardstick", "cnmf_yardstick.c")
        subprocess.run([cc, "-O3", "-march=native", "-ffast-math", source, "-o", binary, "-lm"], check=True)
    output = subprocess.run([binary, variant, str(bins), str(components), str(frames), str(iterations), str(repeats)],
                            check=True, capture_output=True, text=True).stdout.split()
    return components * bins * frames * iterations / float(output[1])


def interleaved_runs(bench, configurations, rounds, repeats):
    """Runs each of `configurations` (name → cnmf_bench options) once per round, round-robin
    (A, B, C, A, B, C, …), so that a change of load on this shared machine hits all of them
    alike; returns name → the JSON reports of its `rounds` runs (each a median of `repeats`)."""
    reports = {name: [] for name in configurations}
    for _ in range(rounds):
        for name, options in configurations.items():
            reports[name].append(cnmf_bench(bench, repeats, **dict(options)))
    return reports


def paired_ratio(reports, numerator, denominator):
    """Median over rounds of time(numerator) / time(denominator) of the same round, and the
    range of those ratios."""
    ratios = sorted(a["median_seconds"] / b["median_seconds"] for a, b in zip(reports[numerator], reports[denominator]))
    return statistics.median(ratios), ratios[0], ratios[-1]


def median_report(runs):
    """The run whose time is the median of `runs` (an odd count: the middle one)."""
    return sorted(runs, key=lambda r: r["median_seconds"])[len(runs) // 2]


def complex_nmf_section(bench, repeats, workdir, cc):
    if not os.access(bench, os.X_OK):
        print(f"complex_nmf: skipped, {bench} is not built (run `make release`)")
        return
    repeats = max(3, repeats)
    F, K, T, N = 1025, 88, 400, 20
    T_small = 100
    size = f"K={K}, F={F}, T={T}, {N} iterations"
    # Every figure whose ratio is reported runs interleaved with its partner, `rounds` times
    # (one timed run per process and round): the ratios are medians of same-round pairs, which
    # on this shared virtual machine swing far less than ratios of runs made minutes apart.
    rounds = max(11, repeats | 1)
    common = dict(bins=F, iterations=N)
    reports = interleaved_runs(bench, {
        "one": dict(common, components=K, frames=T, threads=1),
        "two": dict(common, components=K, frames=T, threads=2),
        "api_one": dict(common, components=K, frames=T, threads=1, mode="decompose", start="random"),
        "api_two": dict(common, components=K, frames=T, threads=2, mode="decompose", start="random"),
        "shortcut_one": dict(common, components=K, frames=T, threads=1, mode="decompose", start="mixture"),
        "shortcut_two": dict(common, components=K, frames=T, threads=2, mode="decompose", start="mixture"),
        "small": dict(common, components=K, frames=T_small, threads=1),
        "k22": dict(common, components=22, frames=T_small, threads=1),
        "k352": dict(common, components=352, frames=T_small, threads=1),
        # The same step at F = 257, where even K = 352's phases and basis (1.1 MB) fit L2.
        "k88_f257": dict(common, bins=257, components=K, frames=T_small, threads=1),
        "k352_f257": dict(common, bins=257, components=352, frames=T_small, threads=1),
    }, rounds, 1)
    one, two = median_report(reports["one"]), median_report(reports["two"])
    api_one, api_two = median_report(reports["api_one"]), median_report(reports["api_two"])
    short_two = median_report(reports["shortcut_two"])

    def ratio(numerator, denominator):
        middle, low, high = paired_ratio(reports, numerator, denominator)
        return f"{middle:4.2f}x (range {low:.2f}–{high:.2f} over {rounds} interleaved pairs)"
    G = 1e9
    print(f"complex_nmf: {size}; kernel loops: {one['loops']}; medians of {rounds} interleaved rounds")
    print(f"complex_nmf: kernel, 1 thread:                {one['updates_per_second'] / G:6.2f} G element updates/s per core ({one['median_seconds'] * 1000:7.1f} ms)")
    print(f"complex_nmf: kernel, 2 threads:               {two['updates_per_second'] / G:6.2f} G element updates/s ({two['median_seconds'] * 1000:7.1f} ms)   "
          f"speed-up {ratio('one', 'two')}")
    print(f"complex_nmf: decompose end to end, 1 thread:  {api_one['updates_per_second'] / G:6.2f} G element updates/s ({api_one['median_seconds'] * 1000:7.1f} ms, "
          f"from seeded random phases: the general sweep; incl. allocating and first touching the {8 * K * F * T / 2**20:.0f} MiB phase tensor)")
    print(f"complex_nmf: decompose end to end, 2 threads: {api_two['updates_per_second'] / G:6.2f} G element updates/s ({api_two['median_seconds'] * 1000:7.1f} ms)   "
          f"speed-up {ratio('api_one', 'api_two')}")
    print(f"complex_nmf: peak resident memory of decompose at T={T}: {api_two['peak_rss_bytes'] / 2**20:7.1f} MiB (phases alone {8 * K * F * T / 2**20:.0f} MiB)")
    # The default start (every phase at Y/|Y|) never leaves the mixture phase, and decompose then
    # runs the exact shortcut (Hᵀ|Y| once per frame, K² per iteration); the kernel rows above
    # run the general sweep from that same start, so their final costs must agree.
    short_one = median_report(reports["shortcut_one"])
    agreement = abs(short_one["final_cost"] - one["final_cost"]) / abs(one["final_cost"])
    print(f"complex_nmf: decompose from the default start (mixture phase; exact shared-phase shortcut): 1 thread {short_one['median_seconds'] * 1000:7.1f} ms, "
          f"2 threads {short_two['median_seconds'] * 1000:7.1f} ms; the general kernel from the same start / the shortcut: "
          f"1 thread {ratio('one', 'shortcut_one')}, 2 threads {ratio('two', 'shortcut_two')}; "
          f"final costs agree to {agreement:.1e} (relative)")
    # What two cores deliver right now: two independent 1-thread processes at once. On a shared
    # virtual machine this varies (vCPUs backed by one busy physical core give ~1x), and the
    # 2-thread speed-up above cannot exceed it.
    command = [bench, "--repeats", str(repeats), "--bins", str(F), "--components", str(K), "--frames", str(T),
               "--iterations", str(N), "--threads", "1"]
    alone = cnmf_bench(bench, repeats, bins=F, components=K, frames=T, iterations=N, threads=1)["median_seconds"]
    pair = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    together = [json.loads(process.communicate()[0])["median_seconds"] for process in pair]
    capacity = 2 * alone / max(together)
    print(f"complex_nmf: machine check: two 1-thread processes at once give {capacity:4.2f}x the throughput of one "
          f"(the ceiling of the 2-thread speed-up at this moment)")

    print(f"complex_nmf: time(4T)/time(T), T={T_small}->{4 * T_small}, K={K}, 1 thread: {ratio('one', 'small')}")
    print(f"complex_nmf: time(4K)/time(K), K=22->88, T={T_small}, 1 thread:  {ratio('small', 'k22')}")
    big = median_report(reports["k352"])
    print(f"complex_nmf: time(4K)/time(K), K=88->352, T={T_small}, 1 thread: {ratio('k352', 'small')}"
          f"   (K=352 runs the {big['loops']} loops; a frame's phases and basis are {12 * 352 * F / 2**20:.1f} MiB, more than this core's L2 cache)")
    print(f"complex_nmf: time(4K)/time(K), K=88->352, T={T_small}, F=257, 1 thread: {ratio('k352_f257', 'k88_f257')}"
          f"   (at F=257 they are {12 * 352 * 257 / 2**20:.1f} MiB and fit L2)")
    # At K=352, F=1025 a frame's 4.1 MiB pass between L2 and the outer caches every iteration:
    # the rate of that traffic alone (no arithmetic) bounds the kernel from below, and with it
    # the K ratio, whatever the loops do.
    stream = stream_bound(cc, workdir, 352, F)
    if stream is None:
        print("complex_nmf: memory bound at K=352 skipped, no C compiler (cc) found")
    else:
        rate88, rate352, limit = median_report(reports["small"])["updates_per_second"], big["updates_per_second"], stream["updates_per_second"]
        print(f"complex_nmf: memory bound at K=352, F={F}: streaming a frame's basis and phases ({stream['frame_mib']:.1f} MiB) through the caches "
              f"with no other work (Benchmarks/stream_bound.c) runs at {limit / G:.2f} G element updates/s; the kernel at K=352 runs at "
              f"{rate352 / G:.2f} ({rate352 / limit:.0%} of it), and at K=88's {rate88 / G:.2f} G/s above, time(4K)/time(K) cannot fall below "
              f"4 x {rate88 / G:.2f} / {limit / G:.2f} = {4 * rate88 / limit:.2f}")

    # The kernel against its references, also in interleaved rounds: each round runs the kernel
    # (1 and 2 threads), both C yardstick layouts and the numpy literal update once, and each
    # ratio is the median of the rounds' ratios.
    try:
        import numpy  # noqa: F401
        have_numpy = True
    except ImportError as error:
        print(f"complex_nmf: numpy reference skipped, numpy unavailable ({error})")
        have_numpy = False
    if cc is None:
        print("complex_nmf: C yardstick skipped, no C compiler (cc) found")
    N_numpy = 5
    kernel_one, kernel_two, natural, tiled, numpy_runs = [], [], [], [], []
    for _ in range(REFERENCE_ROUNDS):
        kernel_one.append(cnmf_bench(bench, 1, bins=F, components=K, frames=T, iterations=N, threads=1)["updates_per_second"])
        kernel_two.append(cnmf_bench(bench, 1, bins=F, components=K, frames=T, iterations=N, threads=2)["updates_per_second"])
        if cc is not None:
            natural.append(yardstick(cc, workdir, "natural", F, K, T, N, 1))
            tiled.append(yardstick(cc, workdir, "tiled", F, K, T, N, 1))
        if have_numpy:
            output = subprocess.run([sys.executable, os.path.abspath(__file__), "--numpy-worker",
                                     f"{F},{K},{T_small},{N_numpy},1"], check=True, capture_output=True, text=True).stdout
            numpy_runs.append(json.loads(output))

    if cc is not None:
        best = [max(a, b) for a, b in zip(natural, tiled)]
        print(f"complex_nmf: C yardstick (cc -O3 -march=native -ffast-math), 1 thread: natural layout {statistics.median(natural) / G:5.2f}, "
              f"16-bin tiles {statistics.median(tiled) / G:5.2f} G element updates/s (kernel in the same rounds {statistics.median(kernel_one) / G:5.2f})")
        print(f"complex_nmf: kernel / best C yardstick, 1 thread: {paired(kernel_one, best)}")
    if not have_numpy:
        return
    numpy_rates = [r["updates_per_second"] for r in numpy_runs]
    numpy_rate = statistics.median(numpy_rates)
    peak = max(r["peak_rss_bytes"] for r in numpy_runs)
    print(f"complex_nmf: numpy literal update (complex128, K={K}, F={F}, T={T_small}, {N_numpy} iterations): "
          f"{numpy_rate / 1e6:7.1f} M element updates/s, peak {peak / 2**20:.0f} MiB (~{peak * T / T_small / 2**30:.1f} GiB at T={T})")
    print(f"complex_nmf: kernel / numpy per element update: 1 thread {paired(kernel_one, numpy_rates, 0)}, 2 threads {paired(kernel_two, numpy_rates, 0)}; "
          f"against the median numpy rate: decompose end to end, 2 threads {api_two['updates_per_second'] / numpy_rate:6.0f}x; "
          f"decompose from the default start (shortcut), 2 threads {short_two['updates_per_second'] / numpy_rate:6.0f}x")
    print_fallback_loops("complex_nmf", bench, dict(subcommand="complex-nmf", bins=F, components=K, frames=T_small, iterations=N, threads=1))


def print_fallback_loops(section, bench, options, rounds=5):
    """What CPUs without AVX-512 run, timed on this one: the plain-C loops built for the baseline
    target (`--loops portable`) and for AVX2 + FMA (`--loops avx2`), against the loops this CPU
    takes (`--loops automatic`), in interleaved rounds; medians and median ratios."""
    runs = interleaved_runs(bench, {loops: dict(options, loops=loops) for loops in ("portable", "avx2", "automatic")}, rounds, 1)
    seconds = {loops: statistics.median(r["median_seconds"] for r in reports) for loops, reports in runs.items()}

    def speedup(loops):
        return statistics.median(a["median_seconds"] / b["median_seconds"] for a, b in zip(runs["portable"], runs[loops]))
    described = ", ".join(f"{k}={v}" for k, v in options.items() if k != "subcommand")
    print(f"{section}: loops of CPUs without AVX-512 ({described}, {rounds} interleaved rounds): baseline build "
          f"{seconds['portable'] * 1000:.1f} ms, AVX2 + FMA build {seconds['avx2'] * 1000:.1f} ms ({speedup('avx2'):.2f}x), "
          f"this CPU's loops ({runs['automatic'][0]['loops']}) {seconds['automatic'] * 1000:.1f} ms ({speedup('automatic'):.2f}x)")


def sklearn_worker(directory, beta, threads, iterations, repeats):
    """Runs in a child process (thread limits are per process); prints a JSON report.

    scikit-learn factorises X ≈ W H and, with update_H=False, keeps H fixed: so X = Vᵀ
    [frames × bins], H = basisᵀ, and W = activationsᵀ is what is learned. With update_H=False
    and solver='mu' scikit-learn ignores the W it is given and starts from √(mean(X)/K)
    everywhere, so `cnmf-bench nmf --constant-start` starts there too.
    """
    import warnings
    import numpy as np
    from sklearn.decomposition import non_negative_factorization
    from threadpoolctl import threadpool_limits
    V = np.load(os.path.join(directory, "magnitudes.npy"))
    basis = np.load(os.path.join(directory, "basis.npy"))
    U0 = np.load(os.path.join(directory, "activations0.npy"))
    ours = np.load(os.path.join(directory, "activations.npy"))
    X, H, W0 = np.ascontiguousarray(V.T), np.ascontiguousarray(basis.T), np.ascontiguousarray(U0.T)
    beta_loss = {2.0: "frobenius", 1.0: "kullback-leibler"}.get(beta, beta)
    result = {}

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result["W"], _, result["n_iter"] = non_negative_factorization(
                X, W=W0.copy(), H=H, n_components=H.shape[0], init="custom", update_H=False, solver="mu",
                beta_loss=beta_loss, max_iter=iterations, tol=0)
    with threadpool_limits(limits=threads):
        seconds = median_seconds(fit, repeats)
    W = result["W"]
    difference = float(np.max(np.abs(W.T - ours)) / max(float(np.max(np.abs(ours))), 1e-30))
    print(json.dumps({"median_seconds": seconds, "iterations": int(result["n_iter"]), "dtype": str(X.dtype),
                      "max_relative_difference": difference}))


def run_probe(cc, workdir, name, *arguments):
    """Compiles Benchmarks/NAME.c once (`cc -O3 -march=native`) and returns the JSON it prints
    for `arguments`, or None without a compiler."""
    if cc is None:
        return None
    binary = os.path.join(workdir, name)
    if not os.path.exists(binary):
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.c")
        subprocess.run([cc, "-O3", "-march=native", source, "-o", binary], check=True)
    return json.loads(subprocess.run([binary, *map(str, arguments)], check=True, capture_output=True, text=True).stdout)


def fma_peak(cc, workdir):
    """Runs Benchmarks/fma_peak.c; returns this core's peak single-precision GFLOP/s (AVX-512 if
    the compiler targets it, else AVX2), or None without a compiler."""
    report = run_probe(cc, workdir, "fma_peak")
    return None if report is None else report.get("avx512_gflops", report.get("avx2_gflops"))


def stream_bound(cc, workdir, K, F):
    """Runs Benchmarks/stream_bound.c; returns its JSON report (the rate of streaming a K x F
    frame's basis and phases through the caches), or None without a compiler."""
    return run_probe(cc, workdir, "stream_bound", K, F)


def amx_split_product(cc, workdir, K, T, N):
    """Compiles (once) and runs Benchmarks/amx_split_product.c; returns its JSON report, or a
    dict with "amx": False and a reason (no compiler, a compiler without AMX-BF16, no AMX)."""
    if cc is None:
        return {"amx": False, "reason": "no C compiler (cc) found"}
    binary = os.path.join(workdir, "amx_split_product")
    if not os.path.exists(binary):
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "amx_split_product.c")
        built = subprocess.run([cc, "-O3", "-march=native", source, "-o", binary, "-lm"], capture_output=True, text=True)
        if built.returncode != 0:
            return {"amx": False, "reason": f"{cc} could not build it: {built.stderr.strip().splitlines()[-1] if built.stderr.strip() else 'failed'}"}
    return json.loads(subprocess.run([binary, str(K), str(T), str(N)], check=True, capture_output=True, text=True).stdout)


#: Interleaved rounds of the Complex NMF kernel against the C yardstick and numpy (see complex_nmf_section).
REFERENCE_ROUNDS = 7
#: Interleaved rounds of the Euclidean NMF vs scikit-learn comparison (see nmf_section).
EUCLIDEAN_ROUNDS = 7
#: Frames of a 4-minute song at the default STFT (44.1 kHz, hop 512: 86 frames/s), the second
#: size of the Euclidean comparison, and its interleaved rounds (each fit takes about a second).
SONG_FRAMES = 20000
SONG_ROUNDS = 5
# Components of the large-basis Euclidean comparison.
LARGE_K = 352


def nmf_section(bench, repeats, workdir, cc):
    if not os.access(bench, os.X_OK):
        print(f"nmf: skipped, {bench} is not built (run `make release`)")
        return
    K, F, T, N = 88, 1025, 2000, 100
    repeats = max(1, min(repeats, 3))
    # Roofline of the Euclidean iterations: G·U is 2·K²·T FLOP per iteration (K × K by K × T).
    peak = fma_peak(cc, workdir)
    flop = 2 * K * K * T * N
    if peak is None:
        print("nmf: roofline skipped, no C compiler (cc) found")
    else:
        print(f"nmf: roofline: this core's peak single-precision FMA rate (Benchmarks/fma_peak.c) {peak:.0f} GFLOP/s; "
              f"Euclidean G·U, {N} iterations × 2·K²·T = {flop / 1e9:.2f} GFLOP, at least {flop / peak / 1e6:.1f} ms on 1 thread")
    # What AMX tiles (not used by the kernel) would give G·U on this core, and at what precision.
    amx = amx_split_product(cc, workdir, K, T, N)
    if amx.get("amx"):
        print(f"nmf: AMX probe (Benchmarks/amx_split_product.c; the kernel does not use AMX): G·U as bf16 hi + lo tile products "
              f"(hi·hi + hi·lo + lo·hi, fp32 sums) {amx['products_seconds'] * 1000:.1f} ms for {N} iterations "
              f"({amx['products_gflops']:.0f} GFLOP/s" + (f", {amx['products_gflops'] / peak:.1f}x the FMA peak" if peak else "") + "), "
              f"{amx['with_split_seconds'] * 1000:.1f} ms with U split every iteration; worst relative error of G·U {amx['worst_relative_error']:.1e}")
    else:
        print(f"nmf: AMX probe skipped: {amx.get('reason', 'AMX unavailable')}")
    # Where the Euclidean time goes: one iteration is HᵀV + ‖v‖² (once) and the set-up; the
    # other N − 1 are the iterations (G·u and the update).
    once, per_iteration = euclid_iteration_seconds(bench, F, K, T, N, 5, 5)
    print(f"nmf: euclid, 1 thread: HᵀV + ‖v‖² + set-up + 1 iteration {once * 1000:.1f} ms, each further iteration "
          f"{per_iteration * 1000:.3f} ms ({2 * K * K * T / per_iteration / 1e9:.0f} GFLOP/s on G·U)")
    # The same rate at other K: G·U runs in register blocks of up to 12 rows of G, so K = 88
    # (8 blocks of 11) and K = 96 or 352 (blocks of 12) take different code; K = 352's G (496 KB)
    # no longer fits L1. Each further iteration is 2·K²·T FLOP of G·U plus the update's K·T.
    rates = []
    for components in (96, 176, 352):
        _, seconds = euclid_iteration_seconds(bench, F, components, T, N, 3, 3)
        rate = 2 * components * components * T / seconds / 1e9
        rates.append(f"K={components} {rate:.0f} GFLOP/s" + (f" ({100 * rate / peak:.0f}% of the FMA peak)" if peak else ""))
    print(f"nmf: euclid, 1 thread, T={T}, each further iteration at other K: " + ", ".join(rates))
    try:
        import sklearn  # noqa: F401
        import threadpoolctl  # noqa: F401
        have_sklearn = True
    except ImportError as error:
        print(f"nmf: scikit-learn reference skipped, scikit-learn unavailable ({error}); `pip install scikit-learn`")
        have_sklearn = False
    print(f"nmf: NMF.decompose (fixed basis, activations learned) vs sklearn non_negative_factorization(update_H=False, solver='mu', tol=0), "
          f"K={K}, F={F}, T={T}, {N} iterations, same float32 random data and start (sklearn's √(mean V / K)); "
          f"for beta < 1 sklearn raises each update to the power 1/(2 − beta), so its beta0.5 result differs by design")
    # Euclidean (the target's case) in interleaved rounds, each round one run of ours and one of
    # scikit-learn's (each the median of `repeats` fits in its process), so that a slow moment of
    # the host hits both sides; the ratio is the median of the rounds' ratios. The slower
    # divergences run one round. Then Euclidean again at the length of a song, where
    # scikit-learn's K × T temporaries no longer fit in cache and ours still run in blocks of 32
    # frames.
    rounds = {"euclid": EUCLIDEAN_ROUNDS, "kl": 1, "beta0.5": 1}
    theirs = {}
    for divergence, beta in (("euclid", 2.0), ("kl", 1.0), ("beta0.5", 0.5)):
        for threads in (1, 2):
            line, theirs[divergence, threads] = sklearn_comparison(bench, workdir, divergence, beta, threads, F, K, T, N,
                                                                   rounds[divergence] if have_sklearn else 0, repeats, "")
            print(line.replace("nmf: ", f"nmf: {divergence:8s} ", 1))
    print_roofline_bound(peak, K, F, T, N, {threads: theirs["euclid", threads] for threads in (1, 2)})
    print(f"nmf: euclid again at T={SONG_FRAMES} (a 4-minute song at 44.1 kHz, hop 512), {SONG_ROUNDS} interleaved rounds, one timed fit each:")
    song = {}
    for threads in (1, 2):
        line, song[threads] = sklearn_comparison(bench, workdir, "euclid", 2.0, threads, F, K, SONG_FRAMES, N,
                                                 SONG_ROUNDS if have_sklearn else 0, 1, "-song")
        print(line.replace("nmf: ", f"nmf: euclid T={SONG_FRAMES} ", 1))
    print_roofline_bound(peak, K, F, SONG_FRAMES, N, song)
    # A large basis (four instruments' 88 notes): G·U is 16× the work of K = 88 per iteration
    # on both sides, so the ratio is about how near each side's product runs to the peak.
    print(f"nmf: euclid again at K={LARGE_K} (T={T}), 3 interleaved rounds, one timed fit each:")
    large = {}
    for threads in (1, 2):
        line, large[threads] = sklearn_comparison(bench, workdir, "euclid", 2.0, threads, F, LARGE_K, T, N,
                                                  3 if have_sklearn else 0, 1, "-large")
        print(line.replace("nmf: ", f"nmf: euclid K={LARGE_K} ", 1))
    print_roofline_bound(peak, LARGE_K, F, T, N, large)
    print_fallback_loops("nmf", bench, dict(subcommand="nmf", bins=F, components=K, frames=400, iterations=20, divergence="beta0.5", threads=1))


def euclid_iteration_seconds(bench, F, K, T, N, rounds, repeats):
    """Euclidean NMF on 1 thread at K: (seconds of a 1-iteration run: HᵀV, ‖v‖², set-up and one
    iteration; seconds of each further iteration), from `rounds` interleaved rounds of 1 and N
    iterations (medians of the rounds' figures)."""
    common = dict(subcommand="nmf", bins=F, components=K, frames=T, divergence="euclid", threads=1, constant_start=None)
    runs = interleaved_runs(bench, {"once": dict(common, iterations=1), "full": dict(common, iterations=N)}, rounds, repeats)
    once = statistics.median(r["median_seconds"] for r in runs["once"])
    per_iteration = statistics.median((b["median_seconds"] - a["median_seconds"]) / (N - 1) for a, b in zip(runs["once"], runs["full"]))
    return once, per_iteration


def print_roofline_bound(peak, K, F, T, N, sklearn_seconds):
    """The most any FMA kernel could gain on scikit-learn's Euclidean fit: the iterations' G·U
    (2·K²·T FLOP each) and HᵀV (2·K·F·T, once) at this core's peak FMA rate on every thread,
    and nothing else, against scikit-learn's median times (`sklearn_seconds[threads]`)."""
    if peak is None or any(sklearn_seconds.get(threads) is None for threads in (1, 2)):
        return
    floor = (2 * K * K * T * N + 2 * K * F * T) / (peak * 1e9)
    bounds = ", ".join(f"{threads} thread{'s' if threads > 1 else ''}: ≥ {floor / threads * 1000:.1f} ms, "
                       f"ratio ≤ {sklearn_seconds[threads] * threads / floor:.2f}x" for threads in (1, 2))
    print(f"nmf: euclid K={K} T={T} bound: G·U and HᵀV alone at the FMA peak ({peak:.0f} GFLOP/s per core, nothing else counted), "
          f"against sklearn's medians above: {bounds}")


def sklearn_comparison(bench, workdir, divergence, beta, threads, F, K, T, N, rounds, repeats, suffix):
    """`rounds` interleaved rounds of `cnmf-bench nmf` and scikit-learn on the same data (one round
    of ours alone when `rounds` is 0, i.e. without scikit-learn); returns the line to print and
    scikit-learn's median seconds (None without it)."""
    directory = os.path.join(workdir, f"nmf-{divergence}{suffix}")
    os.makedirs(directory, exist_ok=True)
    ours_seconds, their_seconds, theirs = [], [], None
    for _ in range(max(1, rounds)):
        ours = cnmf_bench(bench, repeats, subcommand="nmf", bins=F, components=K, frames=T, iterations=N,
                          divergence=divergence, threads=threads, save_inputs=directory, constant_start=None)
        ours_seconds.append(ours["median_seconds"])
        if rounds > 0:
            output = subprocess.run([sys.executable, os.path.abspath(__file__), "--sklearn-worker",
                                     f"{directory},{beta},{threads},{N},{repeats}"], check=True, capture_output=True, text=True).stdout
            theirs = json.loads(output)
            their_seconds.append(theirs["median_seconds"])
    line = f"nmf: {threads} thread{'s' if threads > 1 else ' '}: ours {statistics.median(ours_seconds) * 1000:8.1f} ms"
    if theirs is not None:
        ratios = [b / a for a, b in zip(ours_seconds, their_seconds)]
        spread = f" (range {min(ratios):.2f}–{max(ratios):.2f} over {len(ratios)} interleaved rounds)" if len(ratios) > 1 else ""
        line += (f", sklearn {statistics.median(their_seconds) * 1000:8.1f} ms ({theirs['dtype']})   ratio {statistics.median(ratios):6.2f}x{spread}"
                 f"   (max |U_ours − U_sklearn| / max U = {theirs['max_relative_difference']:.1e})")
    return line, (statistics.median(their_seconds) if theirs is not None else None)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--numpy-worker":
        numpy_worker(*(int(x) for x in sys.argv[2].split(",")))
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--sklearn-worker":
        directory, beta, threads, iterations, repeats = sys.argv[2].split(",")
        sklearn_worker(directory, float(beta), int(threads), int(iterations), int(repeats))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cnmf", default=".build/release/cnmf")
    parser.add_argument("--cnmf-bench", default=".build/release/cnmf-bench")
    parser.add_argument("--cc", default=shutil.which("cc"), help="C compiler for the yardstick (default: cc)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("sections", nargs="*", default=["stft", "nmf", "complex_nmf"])
    args = parser.parse_args()
    if "stft" in args.sections and not os.access(args.cnmf, os.X_OK):
        sys.exit(f"benchmark: {args.cnmf} is not built; run `make release` first")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} before the run (other work competes for the cores); "
          f"medians of {args.repeats} runs")
    with tempfile.TemporaryDirectory() as workdir:
        if "stft" in args.sections:
            stft_section(args.cnmf, args.cnmf_bench, args.repeats, workdir)
        if "nmf" in args.sections:
            nmf_section(args.cnmf_bench, args.repeats, workdir, args.cc)
        if "complex_nmf" in args.sections:
            complex_nmf_section(args.cnmf_bench, args.repeats, workdir, args.cc)


if __name__ == "__main__":
    main()
