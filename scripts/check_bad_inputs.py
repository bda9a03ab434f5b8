#!/usr/bin/env python3
"""Runs `cnmf` on a corpus of bad inputs and checks the error contract of README
("Errors and exit codes"): non-zero exit below 128 (no signal), a message on stderr that names
the problem, and no new or half-written file in the output directory.

    python3 scripts/check_bad_inputs.py [--cnmf .build/release/cnmf]

Needs numpy and soundfile (to make the bad files). Prints one line per case and a summary;
exits 1 if any case breaks the contract.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_corpus(d):
    """Writes the bad (and the needed good) files into d; returns a dict of paths."""
    p = {}
    rate = 22050
    good = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
    p["good_wav"] = f"{d}/good.wav"; sf.write(p["good_wav"], good, rate, subtype="PCM_16")
    p["text_wav"] = f"{d}/text.wav"; open(p["text_wav"], "w").write("not audio at all\n" * 20)
    raw = open(p["good_wav"], "rb").read()
    p["truncated_wav"] = f"{d}/truncated.wav"; open(p["truncated_wav"], "wb").write(raw[:30])
    sf.write(f"{d}/full.flac", good, rate)
    p["truncated_flac"] = f"{d}/truncated.flac"; open(p["truncated_flac"], "wb").write(open(f"{d}/full.flac", "rb").read()[:200])
    p["empty_wav"] = f"{d}/empty.wav"; sf.write(p["empty_wav"], np.zeros(0, np.float32), rate, subtype="PCM_16")
    p["nan_wav"] = f"{d}/nan.wav"; x = good.copy(); x[100] = np.nan; sf.write(p["nan_wav"], x, rate, subtype="FLOAT")
    p["inf_wav"] = f"{d}/inf.wav"; x = good.copy(); x[5] = np.inf; sf.write(p["inf_wav"], x, rate, subtype="FLOAT")
    p["directory"] = f"{d}/adir"; os.makedirs(p["directory"])
    p["missing"] = f"{d}/missing.wav"
    # .npy files
    Y = (np.random.default_rng(0).standard_normal((1025, 20)) + 0j).astype(np.complex64)
    p["spec"] = f"{d}/spec.npy"; np.save(p["spec"], Y)
    H = np.abs(np.random.default_rng(1).standard_normal((1025, 3))).astype(np.float32)
    p["basis"] = f"{d}/basis.npy"; np.save(p["basis"], H)
    p["bad_magic"] = f"{d}/bad_magic.npy"; b = bytearray(open(p["spec"], "rb").read()); b[1:6] = b"NOPE!"; open(p["bad_magic"], "wb").write(b)
    p["truncated_header"] = f"{d}/truncated_header.npy"; open(p["truncated_header"], "wb").write(open(p["spec"], "rb").read()[:40])
    p["short_data"] = f"{d}/short_data.npy"; open(p["short_data"], "wb").write(open(p["spec"], "rb").read()[:-100])
    p["object"] = f"{d}/object.npy"; np.save(p["object"], np.array([{"a": 1}], dtype=object), allow_pickle=True)
    p["structured"] = f"{d}/structured.npy"; np.save(p["structured"], np.zeros(3, dtype=[("a", "<f4"), ("b", "<f4")]))
    p["int"] = f"{d}/int.npy"; np.save(p["int"], np.zeros((1025, 3), np.int32))
    p["rank3_basis"] = f"{d}/rank3.npy"; np.save(p["rank3_basis"], np.zeros((2, 1025, 3), np.float32))
    p["fortran_basis"] = f"{d}/fortran_basis.npy"; np.save(p["fortran_basis"], np.asfortranarray(H))
    Hn = H.copy(); Hn[3, 1] = np.nan; p["nan_basis"] = f"{d}/nan_basis.npy"; np.save(p["nan_basis"], Hn)
    Hi = H.copy(); Hi[3, 1] = np.inf; p["inf_basis"] = f"{d}/inf_basis.npy"; np.save(p["inf_basis"], Hi)
    Hneg = H.copy(); Hneg[3, 1] = -1; p["negative_basis"] = f"{d}/negative_basis.npy"; np.save(p["negative_basis"], Hneg)
    p["basis_513"] = f"{d}/basis_513.npy"; np.save(p["basis_513"], H[:513])
    os.makedirs(f"{d}/sc", exist_ok=True)
    p["spec_bad_sidecar"] = f"{d}/sc/spec.npy"; np.save(p["spec_bad_sidecar"], Y); open(f"{d}/sc/spec.json", "w").write("{ not json")
    os.makedirs(f"{d}/sc2", exist_ok=True)
    p["spec_wrong_sidecar"] = f"{d}/sc2/spec.npy"; np.save(p["spec_wrong_sidecar"], Y)
    open(f"{d}/sc2/spec.json", "w").write('{"sample_rate": 22050, "n_fft": 1024, "hop_length": 256, "window": "hann", "center": true, "length": 5000, "channels": 1, "source": "x"}')
    os.makedirs(f"{d}/bs", exist_ok=True)
    p["basis_bad_sidecar"] = f"{d}/bs/basis.npy"; np.save(p["basis_bad_sidecar"], H); open(f"{d}/bs/basis.json", "w").write('{"labels": ["a"], "n_fft": 2048}')
    os.makedirs(p["directory"] + ".npy")
    return p


def cases(p, out):
    """(name, argv, expected phrase in stderr)."""
    return [
        ("missing file", ["spectrogram", p["missing"], "-o", f"{out}/s.npy"], "no such file"),
        ("directory as audio", ["spectrogram", p["directory"], "-o", f"{out}/s.npy"], "directory"),
        ("text with .wav extension", ["spectrogram", p["text_wav"], "-o", f"{out}/s.npy"], "not a readable audio file"),
        ("truncated WAV", ["spectrogram", p["truncated_wav"], "-o", f"{out}/s.npy"], "truncated.wav"),
        ("truncated FLAC", ["spectrogram", p["truncated_flac"], "-o", f"{out}/s.npy"], "truncated.flac"),
        ("zero-length audio (separate)", ["separate", p["empty_wav"], "--basis", p["basis"], "-o", out], "no samples"),
        ("NaN sample", ["spectrogram", p["nan_wav"], "-o", f"{out}/s.npy"], "nan"),
        ("Inf sample", ["separate", p["inf_wav"], "--basis", p["basis"], "-o", out], "inf"),
        ("npy bad magic", ["complex-nmf", p["bad_magic"], "5", p["basis"], "-o", out], "magic"),
        ("npy truncated header", ["complex-nmf", p["truncated_header"], "5", p["basis"], "-o", out], "truncated"),
        ("npy data shorter than shape", ["complex-nmf", p["short_data"], "5", p["basis"], "-o", out], "data bytes"),
        ("npy object dtype", ["complex-nmf", p["object"], "5", p["basis"], "-o", out], "dtype"),
        ("npy structured dtype", ["nmf", p["structured"], "5", p["basis"], "-o", out], "structured"),
        ("npy int dtype", ["nmf", p["spec"], "5", p["int"], "-o", out], "dtype"),
        ("basis of wrong rank", ["nmf", p["spec"], "5", p["rank3_basis"], "-o", out], "shape"),
        ("NaN in basis", ["complex-nmf", p["spec"], "5", p["nan_basis"], "-o", out], "nan"),
        ("Inf in basis", ["complex-nmf", p["spec"], "5", p["inf_basis"], "-o", out], "inf"),
        ("negative basis", ["nmf", p["spec"], "5", p["negative_basis"], "-o", out], "-1"),
        ("basis/spectrogram bins differ", ["complex-nmf", p["spec"], "5", p["basis_513"], "-o", out], "513"),
        ("malformed sidecar", ["resynth", p["spec_bad_sidecar"], "-o", f"{out}/r.wav"], "json"),
        ("sidecar disagrees with data", ["resynth", p["spec_wrong_sidecar"], "-o", f"{out}/r.wav"], "1025"),
        ("malformed basis sidecar", ["separate", p["good_wav"], "--basis", p["basis_bad_sidecar"], "-o", out], "basis.json"),
        ("iterations 0", ["complex-nmf", p["spec"], "0", p["basis"], "-o", out], "iterations"),
        ("iterations negative", ["separate", p["good_wav"], "--basis", p["basis"], "--iterations", "-3", "-o", out], "iterations"),
        ("p = 2", ["complex-nmf", p["spec"], "5", p["basis"], "--sparsity-p", "2", "-o", out], "sparsity-p"),
        ("p = 0", ["separate", p["good_wav"], "--basis", p["basis"], "--sparsity-p", "0", "-o", out], "sparsity-p"),
        ("negative lambda", ["complex-nmf", p["spec"], "5", p["basis"], "--lambda", "-1", "-o", out], "lambda"),
        ("NaN threshold", ["complex-nmf", p["spec"], "5", p["basis"], "--thr", "nan", "-o", out], "thr"),
        ("NaN tolerance", ["nmf", p["spec"], "5", p["basis"], "--tol", "nan", "-o", out], "tol"),
        ("output directory not creatable", ["complex-nmf", p["spec"], "5", p["basis"], "-o", "/proc/cnmf-out"], "/proc/cnmf-out"),
        ("output directory is a file", ["separate", p["good_wav"], "--basis", p["basis"], "-o", p["good_wav"]], "not a directory"),
        ("output .npy is a directory", ["spectrogram", p["good_wav"], "-o", p["directory"] + ".npy"], "directory"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cnmf", default=os.path.join(ROOT, ".build/release/cnmf"))
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        p = make_corpus(d)
        for name, argv, phrase in cases(p, f"{d}/out"):
            out = f"{d}/out"
            os.makedirs(out, exist_ok=True)
            before = set(os.listdir(out))
            run = subprocess.run([args.cnmf] + argv, capture_output=True, text=True, timeout=120)
            after = set(os.listdir(out))
            message = run.stderr.strip().splitlines()
            problems = []
            if run.returncode == 0:
                problems.append("exit 0")
            if run.returncode < 0 or run.returncode >= 128:
                problems.append(f"signal/exit {run.returncode}")
            if not message:
                problems.append("no message")
            elif phrase.lower() not in run.stderr.lower():
                problems.append(f"message lacks '{phrase}'")
            if after - before:
                problems.append(f"new files {sorted(after - before)}")
            if problems:
                failures += 1
            status = "FAIL " + "; ".join(problems) if problems else "ok"
            print(f"{status:6} [{run.returncode:3}] {name}: {message[-1] if message else ''}")
    print(f"{len(cases(p, ''))-failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
