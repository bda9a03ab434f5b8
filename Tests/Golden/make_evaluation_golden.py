#!/usr/bin/env python3
"""Generate golden files for the separation metrics of ComplexNMF (Sources/ComplexNMF/Evaluation).

Usage:  python3 Tests/Golden/make_evaluation_golden.py [--quiet]

Writes  Tests/Golden/evaluation/*.npy  and  Tests/Golden/evaluation/manifest.json.

Everything is deterministic (synthetic harmonic tones and noise from seeded numpy
Generators, single-threaded BLAS), so re-running produces byte-identical files.

Inputs are stored as float32 (what the Swift side evaluates), shape
[sources, samples] (or [sources, channels, samples] for the stereo case).  Every
expected value is computed in float64 FROM THE STORED float32 inputs:

  * SDR / SIR / SAR / permutation: ``mir_eval.separation.bss_eval_sources`` (filter
    length 512, as mir_eval fixes it), with ``compute_permutation`` as stated per case.
    The stereo case is evaluated channel by channel with mir_eval and averaged over
    channels (the Swift multichannel convention); its permutation is chosen on the
    channel-averaged SIR matrix (mir_eval's rule applied to the averaged matrix).
  * SI-SDR: numpy, no mean removal:  alpha = <est, ref> / ||ref||^2,
    SI-SDR = 10 log10(||alpha ref||^2 / ||alpha ref - est||^2), for the matched pairs.

Cases
  three_sources   3 sources, 1.5 s at 8 kHz; each estimate is its source through a short
                  FIR, plus leakage of the others and white noise.  Given order.
  two_sources     2 sources, 1.0 s at 8 kHz, stronger leakage, longer FIR.  Given order.
  shuffled        the three_sources estimates stored in the order [2, 0, 1]; evaluated with
                  compute_permutation=True, which must recover perm = [1, 2, 0].
  stereo          2 sources x 2 channels, 0.75 s at 8 kHz; per-channel mir_eval, averaged.
  pure_tones      2 noiseless harmonic tones, 1.0 s at 8 kHz.  The delayed copies of both tones
                  together are numerically dependent (G_all has ~500 of 1024 eigenvalues at the
                  1e-16 rounding level), so every normal-equations solver, mir_eval's LU included,
                  returns a rounding-dependent P_all: mir_eval's SAR is off by up to 2 dB.  This
                  case therefore also stores "exact" SDR/SIR/SAR from a QR factorisation of the
                  explicit matrix of delayed copies (no squared condition number), which the
                  Swift side is checked against.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import itertools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import mir_eval  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "evaluation")
RATE = 8000
QUIET = "--quiet" in sys.argv


def log(*args):
    if not QUIET:
        print(*args)


# ---------------------------------------------------------------- signals
def harmonic_tone(rng, f0, n_samples, n_harm=5, vibrato=0.0, noise_db=-30.0):
    """A decaying harmonic tone with optional vibrato plus white noise (noise keeps the
    Gram matrix of delayed copies well conditioned, as real recordings do)."""
    t = np.arange(n_samples) / RATE
    phase = 2 * np.pi * f0 * t + vibrato * np.sin(2 * np.pi * 5.0 * t)
    x = np.zeros(n_samples)
    for h in range(1, n_harm + 1):
        x += (0.6 ** (h - 1)) * np.sin(h * phase + rng.uniform(0, 2 * np.pi))
    envelope = 0.3 + 0.7 * np.exp(-2.0 * t) * (1 + 0.3 * np.sin(2 * np.pi * 1.3 * t))
    x *= envelope
    x /= np.sqrt(np.mean(x ** 2))
    x += 10 ** (noise_db / 20) * rng.standard_normal(n_samples)
    return 0.3 * x / np.max(np.abs(x))


def noise_bursts(rng, n_samples):
    """Low-pass filtered noise gated into bursts (a percussive-like source)."""
    white = rng.standard_normal(n_samples + 31)
    lowpass = np.hanning(32)
    x = np.convolve(white, lowpass / lowpass.sum(), mode="valid")[:n_samples]
    t = np.arange(n_samples) / RATE
    gate = 0.15 + np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 4
    x *= gate
    return 0.3 * x / np.max(np.abs(x))


def distort(rng, refs, j, fir_taps, leakage, noise_level):
    """Estimate of source j: FIR-filtered source + leakage of the others + white noise."""
    n = refs.shape[1]
    fir = np.zeros(fir_taps)
    fir[0] = 1.0
    fir[1:] = 0.25 * rng.standard_normal(fir_taps - 1) / np.arange(1, fir_taps)
    est = np.convolve(refs[j], fir)[:n]
    for k in range(refs.shape[0]):
        if k != j:
            est = est + leakage[k] * refs[k]
    est = est + noise_level * rng.standard_normal(n)
    return est


# ---------------------------------------------------------------- metrics
def f64(a):
    return np.asarray(a, dtype=np.float64)


def si_sdr(ref, est):
    ref = f64(ref)
    est = f64(est)
    alpha = np.dot(est, ref) / np.dot(ref, ref)
    target = alpha * ref
    return float(10 * np.log10(np.sum(target ** 2) / np.sum((target - est) ** 2)))


def bss(refs, ests, compute_permutation):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sdr, sir, sar, perm = mir_eval.separation.bss_eval_sources(
            f64(refs), f64(ests), compute_permutation=compute_permutation
        )
    return [float(v) for v in sdr], [float(v) for v in sir], [float(v) for v in sar], [int(p) for p in perm]


def bss_pairwise(refs, ests):
    """mir_eval's per-pair decomposition (the same private functions bss_eval_sources uses),
    giving sdr/sir/sar[jest][jtrue] for the stereo permutation choice."""
    n = refs.shape[0]
    out = np.zeros((3, n, n))
    for jest in range(n):
        for jtrue in range(n):
            parts = mir_eval.separation._bss_decomp_mtifilt(f64(refs), f64(ests[jest]), jtrue, 512)
            out[:, jest, jtrue] = mir_eval.separation._bss_source_crit(*parts)
    return out


def exact_bss(refs, ests, flen=512):
    """SDR/SIR/SAR (given order) with the projections computed by QR of the explicit
    (N + flen - 1) x (nsrc * flen) matrix of delayed copies: accurate where the Gram matrix
    (its square) is numerically singular."""
    nsrc, n = refs.shape
    delayed = np.zeros((n + flen - 1, nsrc * flen))
    for i in range(nsrc):
        for a in range(flen):
            delayed[a:a + n, i * flen + a] = f64(refs[i])
    q_all, _ = np.linalg.qr(delayed)
    out = {"sdr": [], "sir": [], "sar": []}
    for j in range(nsrc):
        e = np.concatenate([f64(ests[j]), np.zeros(flen - 1)])
        q_j, _ = np.linalg.qr(delayed[:, j * flen:(j + 1) * flen])
        target = q_j @ (q_j.T @ e)
        projected = q_all @ (q_all.T @ e)
        out["sdr"].append(float(10 * np.log10(np.sum(target ** 2) / np.sum((e - target) ** 2))))
        out["sir"].append(float(10 * np.log10(np.sum(target ** 2) / np.sum((projected - target) ** 2))))
        out["sar"].append(float(10 * np.log10(np.sum(projected ** 2) / np.sum((e - projected) ** 2))))
    return out


# ---------------------------------------------------------------- output
manifest = {"sample_rate": RATE, "filter_length": 512, "cases": []}


def save(name, arr):
    path = os.path.join(OUT_DIR, name)
    np.save(path, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
    return name


def add_case(name, description, refs_file, ests_file, names, compute_permutation, sdr, sir, sar, perm, si, **extra):
    case = {
        "name": name,
        "description": description,
        "references": refs_file,
        "estimates": ests_file,
        "source_names": names,
        "compute_permutation": compute_permutation,
        "expected": {"sdr": sdr, "sir": sir, "sar": sar, "permutation": perm, "si_sdr": si},
    }
    case.update(extra)
    manifest["cases"].append(case)
    log(f"{name}: perm={perm}")
    for label, values in (("sdr", sdr), ("sir", sir), ("sar", sar), ("si_sdr", si)):
        log(f"  {label:6s} " + "  ".join(f"{v:8.3f}" for v in values))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240611)

    # ---- three sources, 1.5 s
    n = int(1.5 * RATE)
    refs = np.stack([
        harmonic_tone(rng, 196.0, n, vibrato=0.8),
        harmonic_tone(rng, 293.7, n, n_harm=4, noise_db=-25.0),
        noise_bursts(rng, n),
    ]).astype(np.float32)
    leak = [[0.0, 0.20, 0.10], [0.15, 0.0, 0.25], [0.05, 0.10, 0.0]]
    ests = np.stack([distort(rng, f64(refs), j, 8, leak[j], 0.01 + 0.01 * j) for j in range(3)]).astype(np.float32)
    names3 = ["cello", "flute", "drums"]
    save("three_references.npy", refs)
    save("three_estimates.npy", ests)
    sdr, sir, sar, perm = bss(refs, ests, False)
    si = [si_sdr(refs[j], ests[j]) for j in range(3)]
    add_case("three_sources", "3 sources, 1.5 s at 8 kHz, FIR + leakage + noise, given order",
             "three_references.npy", "three_estimates.npy", names3, False, sdr, sir, sar, perm, si)

    # ---- shuffled: same data, estimates stored in order [2, 0, 1]; mir_eval must find them.
    order = [2, 0, 1]
    shuffled = ests[order]
    sdr_p, sir_p, sar_p, perm_p = bss(refs, shuffled, True)
    assert [order[p] for p in perm_p] == [0, 1, 2], perm_p
    si_p = [si_sdr(refs[j], shuffled[perm_p[j]]) for j in range(3)]
    # With the right order restored, the metrics equal the given-order case.
    assert np.allclose(sdr_p, sdr) and np.allclose(sir_p, sir) and np.allclose(sar_p, sar)
    add_case("shuffled", "three_sources estimates reordered by estimate_order, compute_permutation=True",
             "three_references.npy", "three_estimates.npy", names3, True, sdr_p, sir_p, sar_p, perm_p, si_p,
             estimate_order=order)

    # ---- two sources, 1.0 s, stronger leakage and a longer FIR
    n = RATE
    refs2 = np.stack([
        harmonic_tone(rng, 440.0, n, n_harm=6, vibrato=1.5, noise_db=-35.0),
        noise_bursts(rng, n) + 0.5 * harmonic_tone(rng, 110.0, n, n_harm=3),
    ]).astype(np.float32)
    ests2 = np.stack([
        distort(rng, f64(refs2), 0, 24, [0.0, 0.45], 0.02),
        distort(rng, f64(refs2), 1, 16, [0.3, 0.0], 0.005),
    ]).astype(np.float32)
    save("two_references.npy", refs2)
    save("two_estimates.npy", ests2)
    sdr, sir, sar, perm = bss(refs2, ests2, False)
    si = [si_sdr(refs2[j], ests2[j]) for j in range(2)]
    add_case("two_sources", "2 sources, 1.0 s at 8 kHz, strong leakage, given order",
             "two_references.npy", "two_estimates.npy", ["voice", "backing"], False, sdr, sir, sar, perm, si)

    # ---- stereo: 2 sources x 2 channels, 0.75 s; per-channel mir_eval averaged over channels.
    n = int(0.75 * RATE)
    src = [harmonic_tone(rng, 330.0, n, vibrato=0.5), noise_bursts(rng, n)]
    pans = [(0.9, 0.4), (0.3, 0.8)]
    refs_st = np.stack([[pans[s][c] * src[s] for c in range(2)] for s in range(2)]).astype(np.float32)
    ests_st = np.zeros_like(refs_st)
    for c in range(2):
        channel_refs = f64(refs_st[:, c, :])
        for j in range(2):
            ests_st[j, c] = distort(rng, channel_refs, j, 12, [0.25 * (1 - j), 0.2 * j] if c == 0 else
                                    [0.1 * (1 - j), 0.35 * j], 0.01)
    ests_st = ests_st[[1, 0]]  # stored swapped: the permutation search must undo it
    save("stereo_references.npy", refs_st)
    save("stereo_estimates.npy", ests_st)
    pair = np.mean([bss_pairwise(refs_st[:, c, :], ests_st[:, c, :]) for c in range(2)], axis=0)
    perms = list(itertools.permutations(range(2)))
    mean_sir = [np.mean([pair[1, p[j], j] for j in range(2)]) for p in perms]
    best = list(perms[int(np.argmax(mean_sir))])
    assert best == [1, 0], best
    sdr = [float(pair[0, best[j], j]) for j in range(2)]
    sir = [float(pair[1, best[j], j]) for j in range(2)]
    sar = [float(pair[2, best[j], j]) for j in range(2)]
    si = [float(np.mean([si_sdr(refs_st[j, c], ests_st[best[j], c]) for c in range(2)])) for j in range(2)]
    # Cross-check the matched pairs against the public function, channel by channel.
    per_channel = [bss(refs_st[:, c, :], ests_st[best, c, :], False)[:3] for c in range(2)]
    assert np.allclose(np.mean(per_channel, axis=0), [sdr, sir, sar])
    add_case("stereo", "2 sources x 2 channels, 0.75 s at 8 kHz, estimates stored swapped; "
             "per-channel mir_eval averaged over channels, permutation on the averaged SIR matrix",
             "stereo_references.npy", "stereo_estimates.npy", ["lead", "drums"], True, sdr, sir, sar, best, si)

    # ---- pure tones: no noise floor in the references (worst-conditioned Gram matrix).
    n = RATE
    t = np.arange(n) / RATE

    def pure(f0, n_harm):
        x = sum((0.6 ** (h - 1)) * np.sin(2 * np.pi * h * f0 * t + h) for h in range(1, n_harm + 1))
        return 0.3 * x / np.max(np.abs(x))

    refs_t = np.stack([pure(220.0, 4), pure(330.0, 3)]).astype(np.float32)
    ests_t = np.stack([
        f64(refs_t[0]) + 0.2 * f64(refs_t[1]) + 0.01 * rng.standard_normal(n),
        f64(refs_t[1]) + 0.3 * f64(refs_t[0]) + 0.01 * rng.standard_normal(n),
    ]).astype(np.float32)
    save("tones_references.npy", refs_t)
    save("tones_estimates.npy", ests_t)
    sdr, sir, sar, perm = bss(refs_t, ests_t, False)
    si = [si_sdr(refs_t[j], ests_t[j]) for j in range(2)]
    exact = exact_bss(refs_t, ests_t)
    log("  exact (QR): " + "  ".join(f"{k}={[round(v, 3) for v in vals]}" for k, vals in exact.items()))
    add_case("pure_tones", "2 noiseless harmonic tones, 1.0 s at 8 kHz, leakage + noise, given order",
             "tones_references.npy", "tones_estimates.npy", ["a3", "e4"], False, sdr, sir, sar, perm, si,
             exact=exact)

    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, p)) for p in os.listdir(OUT_DIR))
    log(f"wrote {len(os.listdir(OUT_DIR))} files, {total / 1024:.0f} KiB, to {OUT_DIR}")


if __name__ == "__main__":
    main()
