#!/usr/bin/env python3
"""Runs `cnmf` on a corpus of bad inputs and checks the error contract of README
("Errors and exit codes"): non-zero exit below 128 (no signal), a message on stderr that names
the problem, and no new or half-written file in the output directory. Then runs the inputs
that are odd but valid (audio shorter than n_fft, digital silence, 8 kHz and 192 kHz, 1 and 6
channels, an all-zero basis column, a Fortran-order basis) and checks that they succeed with
finite outputs only; and fills a disk while `separate` writes (a `ulimit -f` file-size limit
always; a 256 KiB tmpfs when run as root), checking that nothing is left behind and that the
message says what was not written (or, refused before any work, how much space is needed).

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
    Yn = Y.copy(); Yn[7, 4] = np.nan
    p["nan_spec_f"] = f"{d}/nan_spec_f.npy"; np.save(p["nan_spec_f"], np.asfortranarray(Yn))
    Yi = Y.copy(); Yi[9, 2] = complex(0, np.inf)
    p["inf_spec_c"] = f"{d}/inf_spec_c.npy"; np.save(p["inf_spec_c"], Yi)
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
    # Odd but valid inputs.
    p["short_wav"] = f"{d}/short.wav"; sf.write(p["short_wav"], good[:300], rate, subtype="PCM_16")
    p["silent_wav"] = f"{d}/silent.wav"; sf.write(p["silent_wav"], np.zeros(rate, np.float32), rate, subtype="PCM_16")
    for r in (8000, 192000):
        t = np.arange(r) / r
        p[f"wav_{r}"] = f"{d}/rate_{r}.wav"; sf.write(p[f"wav_{r}"], 0.3 * np.sin(2 * np.pi * 440 * t), r, subtype="PCM_16")
    p["six_channels"] = f"{d}/six.wav"
    sf.write(p["six_channels"], np.stack([good * (c + 1) / 8 for c in range(6)], axis=1), rate, subtype="PCM_16")
    Hz = H.copy(); Hz[:, 1] = 0; p["zero_column_basis"] = f"{d}/zero_column.npy"; np.save(p["zero_column_basis"], Hz)
    # A real basis (with its sidecar) for the audio runs.
    p["notes_basis"] = f"{d}/notes_basis.npy"
    return p


def notes_of(root):
    """Three piano note recordings of the fixtures, for a basis with a sidecar."""
    return [os.path.join(root, "Fixtures/notes/piano", n + ".wav") for n in ("C4", "E4", "G4")]


def good_runs(p, out):
    """(name, argv) of odd but valid runs: each must exit 0 and write only finite numbers."""
    runs = [
        ("audio shorter than n_fft", ["separate", p["short_wav"], "--basis", p["notes_basis"], "-o", f"{out}/short"]),
        ("all-zero audio", ["separate", p["silent_wav"], "--basis", p["notes_basis"], "-o", f"{out}/silent"]),
        ("all-zero audio, complex-nmf", ["separate", p["silent_wav"], "--basis", p["notes_basis"], "--method", "complex-nmf", "-o", f"{out}/silent_cnmf"]),
        ("8 kHz input", ["separate", p["wav_8000"], "--basis", p["notes_basis"], "-o", f"{out}/r8k"]),
        ("192 kHz input", ["separate", p["wav_192000"], "--basis", p["notes_basis"], "-o", f"{out}/r192k"]),
        ("1 channel", ["separate", p["good_wav"], "--basis", p["notes_basis"], "-o", f"{out}/mono"]),
        ("6 channels", ["separate", p["six_channels"], "--basis", p["notes_basis"], "-o", f"{out}/six"]),
        ("all-zero basis column, nmf", ["nmf", p["spec"], "5", p["zero_column_basis"], "-o", f"{out}/zc_nmf"]),
        ("all-zero basis column, complex-nmf", ["complex-nmf", p["spec"], "5", p["zero_column_basis"], "-o", f"{out}/zc_cnmf"]),
        ("Fortran-order basis", ["complex-nmf", p["spec"], "5", p["fortran_basis"], "-o", f"{out}/fortran"]),
    ]
    return runs


def non_finite_outputs(directory):
    """Output files (.npy, audio) under `directory` holding NaN or Inf."""
    bad = []
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".npy"):
                values = np.load(path)
            elif name.endswith((".wav", ".flac")):
                values, _ = sf.read(path)
            else:
                continue
            if not np.all(np.isfinite(values)):
                bad.append(name)
    return bad


def disk_full_runs(p, d, cnmf):
    """`separate` onto a disk that fills up: (name, completed process, output directory)."""
    results = []
    mixture = os.path.join(ROOT, "Fixtures/mixtures/piano_chord/mixture.wav")
    argv = ["separate", mixture, "--basis", p["notes_basis"], "--iterations", "3"]
    out = f"{d}/limited/separated"
    run = subprocess.run(["/bin/sh", "-c", 'ulimit -f 40 && exec "$0" "$@"', cnmf] + argv + ["-o", out],
                         capture_output=True, text=True, timeout=300)
    results.append(("file-size limit (ulimit -f) while writing", run, f"{d}/limited"))
    if os.geteuid() == 0:
        mount = f"{d}/tmpfs"
        os.makedirs(mount)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], capture_output=True).returncode == 0:
            try:
                run = subprocess.run([cnmf] + argv + ["-o", f"{mount}/separated"], capture_output=True, text=True, timeout=300)
                results.append(("disk full (256 KiB tmpfs) while writing", run, mount))
            finally:
                subprocess.run(["umount", mount])
        else:
            print("skip   disk full on tmpfs: mount failed")
    else:
        print("skip   disk full on tmpfs: needs root to mount one")
    return results


def cases(p, out):
    """(name, argv, expected phrase in stderr[, environment variables added])."""
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
        ("NaN in a Fortran-order spectrogram (resynth)", ["resynth", p["nan_spec_f"], "--sample-rate", "22050", "-o", f"{out}/r.wav"], "nan"),
        ("Inf in a C-order spectrogram (resynth)", ["resynth", p["inf_spec_c"], "--sample-rate", "22050", "-o", f"{out}/r.wav"], "inf"),
        ("NaN in a spectrogram (nmf)", ["nmf", p["nan_spec_f"], "5", p["basis"], "-o", out], "nan"),
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
        ("misspelt CNMF_INSTRUCTION_SET", ["separate", p["good_wav"], "--basis", p["basis"], "-o", out], "CNMF_INSTRUCTION_SET = avx-2",
         {"CNMF_INSTRUCTION_SET": "avx-2"}),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cnmf", default=os.path.join(ROOT, ".build/release/cnmf"))
    args = parser.parse_args()
    failures = 0
    checked = 0
    with tempfile.TemporaryDirectory() as d:
        p = make_corpus(d)
        for name, argv, phrase, *environment in cases(p, f"{d}/out"):
            out = f"{d}/out"
            os.makedirs(out, exist_ok=True)
            before = set(os.listdir(out))
            run = subprocess.run([args.cnmf] + argv, capture_output=True, text=True, timeout=120,
                                 env=dict(os.environ, **environment[0]) if environment else None)
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
            checked += 1
            status = "FAIL " + "; ".join(problems) if problems else "ok"
            print(f"{status:6} [{run.returncode:3}] {name}: {message[-1] if message else ''}")
        subprocess.run([args.cnmf, "basis", *notes_of(ROOT), "-o", p["notes_basis"], "-q"], check=True)
        good_out = f"{d}/good_out"
        for name, argv in good_runs(p, good_out):
            run = subprocess.run([args.cnmf] + argv + ["-q"], capture_output=True, text=True, timeout=300)
            problems = []
            if run.returncode != 0:
                problems.append(f"exit {run.returncode}: {run.stderr.strip()}")
            else:
                out_dir = argv[argv.index("-o") + 1]
                bad = non_finite_outputs(out_dir)
                if bad:
                    problems.append(f"NaN/Inf in {bad}")
                if not os.listdir(out_dir):
                    problems.append("no output")
            failures += bool(problems)
            checked += 1
            print(f"{'FAIL ' + '; '.join(problems) if problems else 'ok':6} [{run.returncode:3}] good run, {name}")
        for name, run, directory in disk_full_runs(p, d, args.cnmf):
            message = run.stderr.strip().splitlines()
            left = [f for _, _, files in os.walk(directory) for f in files]
            problems = []
            if run.returncode != 73:
                problems.append(f"exit {run.returncode}, expected 73")
            # Mid-write failures list what was not written; the space estimate refuses up front.
            if len(message) != 1 or not ("not written" in message[0] or "is free there" in message[0]):
                problems.append("message says neither what was not written nor how much space is needed")
            if left:
                problems.append(f"files left: {sorted(left)[:5]}")
            if os.path.exists(directory) and os.listdir(directory) and not left:
                problems.append(f"directories left: {os.listdir(directory)}")
            failures += bool(problems)
            checked += 1
            print(f"{'FAIL ' + '; '.join(problems) if problems else 'ok':6} [{run.returncode:3}] {name}: {message[-1] if message else ''}")
    print(f"{checked - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
