#!/usr/bin/env python3
"""ComplexNMF benchmarks: prints figures and ratios against reference runs made in the same script.

Run through `make bench` (builds the release binary first), or directly:
    python3 Benchmarks/benchmark.py [--cnmf .build/release/cnmf] [--repeats 5]

Sections
  stft   `cnmf spectrogram` on a 60 s 22.05 kHz mono WAV vs soundfile.read + librosa.stft + np.save
         (the same work: decode, transform, write .npy), and `cnmf resynth` vs librosa.istft.
Python references are skipped with a clear line when numpy/librosa/soundfile are missing.
All timings are medians of --repeats runs on this machine.
"""
import argparse
import os
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


def stft_section(cnmf, repeats, workdir):
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
    ours = median_seconds(lambda: run([cnmf, "spectrogram", wav, "-o", spec, "--overwrite", "-q"]), repeats)

    def reference():
        y, _ = sf.read(wav, dtype="float32")
        np.save(os.path.join(workdir, "ref.npy"), librosa.stft(y, n_fft=2048, hop_length=512))
    theirs = median_seconds(reference, repeats)
    y, _ = sf.read(wav, dtype="float32")
    stft_only = median_seconds(lambda: librosa.stft(y, n_fft=2048, hop_length=512), repeats)
    print(f"stft: cnmf spectrogram, 60 s WAV -> .npy (process start, decode, STFT, write): {ours * 1000:8.1f} ms")
    print(f"stft: soundfile + librosa.stft + np.save (same work):                      {theirs * 1000:8.1f} ms   ratio {theirs / ours:5.2f}x")
    print(f"stft: librosa.stft alone (in memory, no I/O):                               {stft_only * 1000:8.1f} ms")

    out = os.path.join(workdir, "resynth.wav")
    ours_inverse = median_seconds(lambda: run([cnmf, "resynth", spec, "-o", out, "--overwrite", "-q"]), repeats)
    S = np.load(spec)

    def reference_inverse():
        sf.write(os.path.join(workdir, "ref.wav"), librosa.istft(S, hop_length=512, n_fft=2048, length=len(y)), rate, subtype="PCM_16")
    theirs_inverse = median_seconds(reference_inverse, repeats)
    print(f"istft: cnmf resynth, .npy -> WAV (process start, read, ISTFT, write):        {ours_inverse * 1000:8.1f} ms")
    print(f"istft: librosa.istft + soundfile.write (from an in-memory array):           {theirs_inverse * 1000:8.1f} ms   ratio {theirs_inverse / ours_inverse:5.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cnmf", default=".build/release/cnmf")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("sections", nargs="*", default=["stft"])
    args = parser.parse_args()
    if not os.access(args.cnmf, os.X_OK):
        sys.exit(f"benchmark: {args.cnmf} is not built; run `make release` first")
    print(f"machine: {os.cpu_count()} cores; medians of {args.repeats} runs")
    with tempfile.TemporaryDirectory() as workdir:
        if "stft" in args.sections:
            stft_section(args.cnmf, args.repeats, workdir)


if __name__ == "__main__":
    main()
