#!/usr/bin/env python3
"""Write the consistent-Wiener golden files that the Swift tests compare against.

Output folder: ``Tests/Golden/consistency/`` (described in its ``manifest.json``).

The problem (``ConsistentWienerConfiguration``): for a run of STFT frames taken alone, find
outputs ``S_j`` minimising

    sum_j <S_j, S_j / v_j>_C  +  gamma * sum_j ||Q S_j||_C^2     subject to  sum_j S_j = Y

where ``Q = I - STFT(ISTFT(.))`` for the run alone and ``<a, b>_C`` counts every bin but DC and
Nyquist twice (the two-sided spectrum). This script solves it *directly*, independently of the
Swift conjugate-gradient solver: the STFT of the run is built as an explicit real matrix ``F``
(samples -> [Re, Im] of every bin and frame), ``P = F (F^T C F)^-1 F^T C``, and the
stationarity conditions ``A_j S_j = lambda`` (``A_j = diag(1/v_j) + gamma Q``) with the
constraint give ``lambda = (sum_j A_j^-1)^-1 Y`` and ``S_j = A_j^-1 lambda``, all in float64.

Files: ``mixture.npy`` complex128 ``[bins x frames]``, ``powers.npy`` float64
``[outputs x bins x frames]``, ``solution.npy`` complex128 ``[outputs x bins x frames]``.
The manifest records the STFT settings, gamma's relative weight and the objective at the
Wiener start and at the solution.

    python3 Tests/Golden/make_consistency_golden.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import scipy.signal

OUT = Path(__file__).resolve().parent / "consistency"
N_FFT, HOP, FRAMES, OUTPUTS, RELATIVE_WEIGHT = 32, 8, 10, 3, 10.0


def stft_matrix(window: np.ndarray) -> np.ndarray:
    """Real matrix mapping the run's samples to [Re, Im] of rfft(window * frame), bin-major per frame."""
    bins = N_FFT // 2 + 1
    samples = (FRAMES - 1) * HOP + N_FFT
    m = np.arange(N_FFT)
    F = np.zeros((2 * bins * FRAMES, samples))
    for t in range(FRAMES):
        for f in range(bins):
            row = 2 * (t * bins + f)
            F[row, t * HOP + m] = window * np.cos(2 * np.pi * f * m / N_FFT)
            F[row + 1, t * HOP + m] = -window * np.sin(2 * np.pi * f * m / N_FFT)
    return F


def to_real(x: np.ndarray) -> np.ndarray:
    """[bins x frames] complex -> interleaved reals in frame-major, bin-minor order."""
    return np.stack([x.real.T, x.imag.T], axis=-1).reshape(-1)


def to_complex(x: np.ndarray, bins: int) -> np.ndarray:
    pairs = x.reshape(FRAMES, bins, 2)
    return (pairs[..., 0] + 1j * pairs[..., 1]).T


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261127)
    bins = N_FFT // 2 + 1
    window = scipy.signal.get_window("hann", N_FFT, fftbins=True)
    F = stft_matrix(window)
    weights = np.where((np.arange(bins) == 0) | (np.arange(bins) == bins - 1), 1.0, 2.0)
    C = np.tile(np.repeat(weights, 2), FRAMES)
    # F^T C F = n_fft * diag(window-square sum); samples no window reaches (sum 0) are dropped.
    P = F @ np.linalg.pinv(F.T @ (C[:, None] * F)) @ (F.T * C[None, :])
    Q = np.eye(P.shape[0]) - P
    assert np.allclose(P @ P, P) and np.allclose(C[:, None] * P, (C[:, None] * P).T)  # a C-orthogonal projection

    # A mixture of three "sources" with overlapping, uneven power models (some near-silent bins).
    mixture = rng.normal(size=(bins, FRAMES)) + 1j * rng.normal(size=(bins, FRAMES))
    powers = rng.exponential(size=(OUTPUTS, bins, FRAMES)) ** 3
    powers[0, :, :3] *= 1e-4
    mean_power = float(powers.mean() + 1e-10 * powers.mean())
    gamma = RELATIVE_WEIGHT / mean_power

    A = [np.diag(np.repeat(1 / powers[j].T.reshape(-1), 2)) + gamma * Q for j in range(OUTPUTS)]
    inverses = [np.linalg.inv(a) for a in A]
    y = to_real(mixture)
    lam = np.linalg.solve(sum(inverses), y)
    solution = np.stack([to_complex(inv @ lam, bins) for inv in inverses])
    assert np.allclose(solution.sum(0), mixture)

    def objective(outputs: np.ndarray) -> float:
        total = 0.0
        for j in range(OUTPUTS):
            s = to_real(outputs[j])
            prior = np.sum(C * s * s / np.repeat(powers[j].T.reshape(-1), 2))
            q = Q @ s
            total += prior + gamma * np.sum(C * q * q)
        return float(total)

    wiener = powers / powers.sum(0) * mixture
    np.save(OUT / "mixture.npy", mixture)
    np.save(OUT / "powers.npy", powers)
    np.save(OUT / "solution.npy", solution)
    manifest = {
        "description": "consistent Wiener filtering of one run of frames, solved directly (make_consistency_golden.py)",
        "n_fft": N_FFT, "hop_length": HOP, "window": "hann", "frames": FRAMES, "outputs": OUTPUTS,
        "relative_weight": RELATIVE_WEIGHT, "gamma": gamma,
        "objective_wiener": objective(wiener), "objective_solution": objective(solution),
        "files": {"mixture": "mixture.npy", "powers": "powers.npy", "solution": "solution.npy"},
        "numpy": np.__version__, "scipy": scipy.__version__,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
