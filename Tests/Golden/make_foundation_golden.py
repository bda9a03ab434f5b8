#!/usr/bin/env python3
"""Write the "foundation" golden files that the Swift tests compare against.

Output folder: ``Tests/Golden/foundation/`` (every file is described in its
``manifest.json``).

1. STFT / ISTFT references made with librosa (``librosa.stft`` with
   ``center=True, pad_mode='constant'``, ``librosa.istft`` with
   ``length=len(y)``) on excerpts of the audio fixtures and on seeded noise:
   ``<case>_samples.npy`` (float32 input, as ``soundfile.read(dtype='float32')``
   returns it, i.e. PCM16 / 32768), ``<case>_stft.npy`` (complex64, saved in
   the Fortran order librosa returns) and ``<case>_istft.npy`` (float32), plus
   the analysis windows ``window_<name>_<n>.npy`` (float64).
2. ``.npy`` format references written by ``numpy.save`` (and
   ``numpy.lib.format.write_array`` for versions 2.0 and 3.0): every accepted
   dtype in C and Fortran order and several shapes, with values given by a
   formula the Swift tests can recompute, plus files the Swift reader must
   refuse (object, structured, int32, bool).

The fixtures must exist first (``python3 Fixtures/render_fixtures.py``).
Run from anywhere:

    python3 Tests/Golden/make_foundation_golden.py

Re-running produces byte-identical files for the same numpy / librosa versions
(the versions are recorded in the manifest).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import librosa
import numpy as np
import scipy
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "Fixtures"
OUT = REPO / "Tests" / "Golden" / "foundation"

NOISE_SEED = 20240611
NOISE_LENGTH = 3001
NOISE_SCALE = 0.1

# (case name, fixture WAV relative to the repo or None for noise, first sample,
#  sample count, n_fft, hop, window).  Excerpts keep the folder under 2 MB.
STFT_CASES = [
    ("piano_chord_2048_512_hann", "Fixtures/mixtures/piano_chord/mixture.wav",
     0, 16384, 2048, 512, "hann"),
    ("piano_melody_1024_256_hamming", "Fixtures/mixtures/piano_melody/mixture.wav",
     0, 20001, 1024, 256, "hamming"),
    ("noise_512_128_hann", None, 0, NOISE_LENGTH, 512, 128, "hann"),
    ("stereo_44k_2048_512_hann", "Fixtures/mixtures/stereo_44k/mixture.wav",
     0, 8192, 2048, 512, "hann"),
]

WINDOW_FORMULAS = {
    "hann": "w[n] = 0.5 - 0.5*cos(2*pi*n/N), n = 0..N-1 (periodic, scipy "
            "get_window(..., fftbins=True))",
    "hamming": "w[n] = 0.54 - 0.46*cos(2*pi*n/N), n = 0..N-1 (periodic, scipy "
               "get_window(..., fftbins=True))",
}

# .npy format goldens -------------------------------------------------------
NPY_DTYPES = ["<f4", "<f8", "<c8", "<c16", ">f4", ">f8", ">c8"]
NPY_SHAPES = [(), (5,), (3, 4), (2, 3, 4)]
REAL_FORMULA = "0.5*i - 3"
COMPLEX_FORMULA = "(0.5*i - 3) + 1j*(0.25*i + 1)"


def formula_array(dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """C-ordered array whose element with C-order flat index i is the formula."""
    i = np.arange(int(np.prod(shape)), dtype=np.float64)
    values = 0.5 * i - 3
    if np.dtype(dtype).kind == "c":
        values = values + 1j * (0.25 * i + 1)
    return values.astype(dtype).reshape(shape)


def shape_tag(shape: tuple[int, ...]) -> str:
    return "scalar" if shape == () else "x".join(str(n) for n in shape)


def dtype_tag(dtype: str) -> str:
    return ("be_" if dtype[0] == ">" else "") + dtype[1:]


def read_npy_header(path: Path) -> dict:
    """Parse the header of an .npy file (independently of numpy's reader)."""
    raw = path.read_bytes()
    assert raw[:6] == b"\x93NUMPY", path
    major, minor = raw[6], raw[7]
    if major == 1:
        header_len, start = int.from_bytes(raw[8:10], "little"), 10
    else:
        header_len, start = int.from_bytes(raw[8:12], "little"), 12
    encoding = "utf8" if major >= 3 else "latin1"
    header = ast.literal_eval(raw[start:start + header_len].decode(encoding))
    return {
        "version": [major, minor],
        "header_len": header_len,
        "data_offset": start + header_len,
        "descr": header["descr"] if isinstance(header["descr"], str) else repr(header["descr"]),
        "fortran_order": header["fortran_order"],
        "shape": list(header["shape"]),
        "file_bytes": len(raw),
    }


def npy_entry(path: Path, expected_accept: bool, **extra) -> dict:
    return {"file": path.name, **read_npy_header(path),
            "expected_accept": expected_accept, **extra}


def make_npy_goldens() -> list[dict]:
    entries = []
    for dtype in NPY_DTYPES:
        formula = COMPLEX_FORMULA if np.dtype(dtype).kind == "c" else REAL_FORMULA
        for order in "CF":
            for shape in NPY_SHAPES:
                array = formula_array(dtype, shape)
                if order == "F" and array.ndim > 0:
                    # np.asfortranarray turns a 0-d array into shape (1,),
                    # so the scalar "F" file is the 0-d array itself.
                    array = np.asfortranarray(array)
                path = OUT / f"npy_{dtype_tag(dtype)}_{order}_{shape_tag(shape)}.npy"
                np.save(path, array)
                entries.append(npy_entry(path, True, requested_order=order,
                                         values=formula))
    for major in (2, 3):
        path = OUT / f"npy_v{major}_f4_C_3x4.npy"
        with open(path, "wb") as f:
            np.lib.format.write_array(f, formula_array("<f4", (3, 4)), version=(major, 0))
        entries.append(npy_entry(path, True, requested_order="C", values=REAL_FORMULA))

    refused = {
        "object": (np.array([1.5, "text", None], dtype=object),
                   "object array (pickled payload)"),
        "structured": (np.array([(1.0, 2), (3.0, 4)], dtype=[("a", "<f4"), ("b", "<i4")]),
                       "structured dtype with fields a:<f4, b:<i4"),
        "int32": (np.arange(5, dtype="<i4"), "integers 0..4"),
        "bool": (np.array([True, False, True]), "booleans"),
    }
    for name, (array, what) in refused.items():
        path = OUT / f"npy_bad_{name}.npy"
        np.save(path, array, allow_pickle=True)
        entries.append(npy_entry(path, False, values=what))

    # Check every accepted file against the formula with numpy's own reader.
    for entry in entries:
        if entry["expected_accept"]:
            loaded = np.load(OUT / entry["file"])
            shape = tuple(entry["shape"])
            assert np.array_equal(loaded, formula_array(loaded.dtype.str, shape)), entry
    return entries


# STFT goldens --------------------------------------------------------------

def load_case_samples(source: str | None, start: int, count: int) -> tuple[np.ndarray, int]:
    """Float32 samples: mono (n,) or multichannel (channels, n)."""
    if source is None:
        rng = np.random.default_rng(NOISE_SEED)
        return (rng.standard_normal(count) * NOISE_SCALE).astype(np.float32), 22050
    data, rate = sf.read(REPO / source, dtype="float32", always_2d=True)
    data = data[start:start + count]
    assert len(data) == count, f"{source} is shorter than {start + count} samples"
    # (channels, samples); C-contiguous so the samples file is in C order.
    y = np.ascontiguousarray(data.T)
    return (y[0] if y.shape[0] == 1 else y), rate


def float32_stft(y: np.ndarray, n_fft: int, hop: int, window: str) -> np.ndarray:
    """The same STFT computed entirely in single precision (for tolerances)."""
    w = librosa.filters.get_window(window, n_fft, fftbins=True).astype(np.float32)
    pad = [(0, 0)] * (y.ndim - 1) + [(n_fft // 2, n_fft // 2)]
    padded = np.pad(y, pad)
    frames = librosa.util.frame(padded, frame_length=n_fft, hop_length=hop)
    return np.fft.rfft(frames * w[:, None], axis=-2)


def make_stft_goldens() -> tuple[list[dict], list[dict]]:
    cases, windows = [], {}
    for name, source, start, count, n_fft, hop, window in STFT_CASES:
        y, rate = load_case_samples(source, start, count)
        stft = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window,
                            center=True, pad_mode="constant")
        istft = librosa.istft(stft, hop_length=hop, n_fft=n_fft, window=window,
                              length=y.shape[-1])
        assert stft.dtype == np.complex64 and istft.dtype == np.float32
        assert stft.shape[-1] == 1 + count // hop

        files = {"samples": f"{name}_samples.npy", "stft": f"{name}_stft.npy",
                 "istft": f"{name}_istft.npy"}
        np.save(OUT / files["samples"], y)
        np.save(OUT / files["stft"], stft)
        np.save(OUT / files["istft"], istft)

        window_file = f"window_{window}_{n_fft}.npy"
        if window_file not in windows:
            w = librosa.filters.get_window(window, n_fft, fftbins=True)
            np.save(OUT / window_file, w)
            windows[window_file] = {"file": window_file, "window": window, "n": n_fft,
                                    "dtype": "<f8", "formula": WINDOW_FORMULAS[window]}

        scale = float(np.abs(stft).max())
        f32_error = float(np.abs(float32_stft(y, n_fft, hop, window) - stft).max())
        roundtrip = float(np.abs(istft - y).max())
        entry = {
            "name": name,
            "input": (
                {"kind": "fixture", "file": source, "sample_rate": rate,
                 "first_sample": start, "sample_count": count,
                 "channels": 1 if y.ndim == 1 else y.shape[0],
                 "load": "soundfile.read(file, dtype='float32', always_2d=True)"
                         "[first_sample:first_sample+sample_count].T  (PCM16 / 32768)",
                 "whole_file_frames": sf.info(REPO / source).frames}
                if source else
                {"kind": "noise", "generator": "numpy.random.default_rng(seed)."
                 "standard_normal(sample_count) * 0.1 then astype(float32)",
                 "seed": NOISE_SEED, "sample_count": count, "channels": 1,
                 "note": "not reproducible outside numpy: read the samples file"}),
            "params": {"n_fft": n_fft, "hop_length": hop, "win_length": n_fft,
                       "window": window, "window_file": window_file,
                       "center": True, "pad_mode": "constant"},
            "files": {
                "samples": npy_entry(OUT / files["samples"], True),
                "stft": npy_entry(OUT / files["stft"], True),
                "istft": npy_entry(OUT / files["istft"], True),
            },
            "frames": stft.shape[-1],
            "bins": stft.shape[-2],
            "max_abs_stft": scale,
            "float32_pipeline_max_abs_error": f32_error,
            "istft_minus_samples_max_abs": roundtrip,
        }
        cases.append(entry)
    return cases, list(windows.values())


STFT_CONVENTIONS = {
    "librosa_stft_default_pad_mode": None,  # filled in from librosa's signature
    "pad_mode_used": "constant (zero padding of n_fft//2 samples on both sides)",
    "frames": "1 + len(y) // hop_length  (center=True, even n_fft)",
    "frame_t": "spectrum of y_padded[t*hop : t*hop + n_fft] * window, "
               "i.e. frame t is centred on sample t*hop of y",
    "bins": "n_fft//2 + 1, unnormalised forward DFT: X[k] = sum_n x[n] exp(-2j*pi*k*n/n_fft)",
    "stft_layout": "mono: [bins, frames]; multichannel: [channels, bins, frames]; saved with "
                   "np.save exactly as librosa returns it (Fortran-contiguous, so the header "
                   "has fortran_order True: the first index varies fastest, the frame index slowest)",
    "stft_precision": "librosa multiplies the float32 frames by a float64 window, so the FFT "
                      "runs in float64 and the result is rounded to complex64; "
                      "'float32_pipeline_max_abs_error' is the max |difference| of an "
                      "all-float32 numpy STFT from the golden, a guide for tolerances",
    "istft": "librosa.istft(stft, hop_length, n_fft, window, center=True, length=len(y)): "
             "irfft of each frame times the window, overlap-add, divided by the overlap-added "
             "squared window where that sum > tiny(float32), first n_fft//2 samples dropped, "
             "then cut or zero-padded to length",
    "samples_layout": "mono: [samples]; multichannel: [channels, samples] in C order",
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.npy"):
        old.unlink()

    default_pad_mode = librosa.stft.__kwdefaults__["pad_mode"]
    STFT_CONVENTIONS["librosa_stft_default_pad_mode"] = default_pad_mode
    stft_cases, windows = make_stft_goldens()
    npy_files = make_npy_goldens()

    manifest = {
        "description": "Golden references for the Swift foundation tests (STFT/ISTFT "
                       "against librosa, .npy reading against numpy). Paths are relative "
                       "to this folder unless they start with Fixtures/ (repo root).",
        "generator": "python3 Tests/Golden/make_foundation_golden.py",
        "environment": {"numpy": np.__version__, "librosa": librosa.__version__,
                        "scipy": scipy.__version__, "soundfile": sf.__version__,
                        "libsndfile": sf.__libsndfile_version__},
        "stft_conventions": STFT_CONVENTIONS,
        "stft_cases": stft_cases,
        "windows": windows,
        "npy_format": {
            "value_formula": {
                "real": REAL_FORMULA, "complex": COMPLEX_FORMULA,
                "i": "C-order (row-major) flat index of the element's multi-index, "
                     "whatever the file's storage order: an F file holds the same logical "
                     "array as the C file, stored column-major",
            },
            "naming": "npy_[be_]<type>_<C|F>_<shape>.npy; be_ = big-endian; shape 'scalar' "
                      "= (); npy_v2_/npy_v3_ = format versions 2.0/3.0; npy_bad_* must be "
                      "refused",
            "order_notes": "np.save writes fortran_order False for any C-contiguous array, so "
                           "the F files of shape () and (5,) are identical to the C files "
                           "('requested_order' is what the script asked for, 'fortran_order' "
                           "is the header value)",
            "files": npy_files,
        },
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    total = 0
    for path in sorted(OUT.iterdir()):
        total += path.stat().st_size
        print(f"{path.stat().st_size:>9}  {path.name}")
    print(f"{total:>9}  total ({len(list(OUT.iterdir()))} files)")
    print(f"librosa.stft default pad_mode: {default_pad_mode!r}")


if __name__ == "__main__":
    main()
