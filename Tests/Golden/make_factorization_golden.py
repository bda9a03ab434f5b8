#!/usr/bin/env python3
"""Generate golden files for the supervised NMF / Complex NMF of ComplexNMF.

Usage:  python3 Tests/Golden/make_factorization_golden.py [--quiet]

Writes  Tests/Golden/factorization/*.npy  and  Tests/Golden/factorization/manifest.json.

Everything is deterministic (synthetic tones, seeded numpy Generators,
single-threaded BLAS) so re-running produces byte-identical files.

Inputs are stored in the precision the Swift side uses (Y complex64 in the
Fortran order librosa returns, H / U0 float32, P0 complex64).  All reference
outputs are computed in float64 FROM THE STORED (rounded) inputs, cast up, by
the independent implementation in ``reference_factorization.py``.

Besides writing the files the script checks and prints the properties the Swift
tests rely on (monotone costs, fixed basis, model == reconstruction, silent
frames, literal vs factored agreement) and a study of how rounding noise moves
the Complex NMF phases away from the all-components-equal state Y/|Y|.

Which update form produces each golden (manifest field "golden_form"):
  * cases that start with P_k = Y/|Y| for every k (cnmf_default, cnmf_lambda0,
    cnmf_edge, cnmf_thr_min20, cnmf_tol) store the exact-arithmetic trajectory,
    computed with the factored form: it keeps all P_k equal, as exact
    arithmetic does.  That state is a saddle of J; the literal form's
    per-component rounding breaks the symmetry and the noise is amplified by
    S/|Y| per update, so a literal-form run in any precision ends several %
    away (figures in checks.*.whole_run_factored_vs_literal).  Those goldens
    are additionally confirmed by a penalised Euclidean multiplicative update
    on |Y| (checks.*.penalised_euclid_mu_U_max_rel).
  * cases with a generic start (cnmf_jittered, cnmf_thr) use the literal form;
    literal and factored agree to ~1e-10 there.
  * cnmf_thr uses default p / lambda with the jittered P0, because on the
    symmetric trajectory the cost falls by < 1e-7 per update near update 25,
    less than float32 cost accuracy; its thr sits between cost[n-2] and
    cost[n-1] for the n in 24..26 with the largest relative drop.
  * cnmf_tol: first n >= 5 whose relative decrease is < 1/2 of all earlier
    ones; tol is the geometric mean of that decrease and the smallest earlier.
"""

import os

# Deterministic, single-threaded BLAS: must be set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import hashlib  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import librosa  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_factorization as ref  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "factorization")

# ---------------------------------------------------------------- parameters
SR = 8000
N_FFT = 512
HOP = 128
N_SAMPLES = 39 * HOP          # 4992 samples -> T = 40 frames (center=True)
# (fundamental Hz, number of harmonics, onset s, offset s)
NOTES = [
    (196.00, 10, 0.00, 0.45),   # G3
    (261.63, 8, 0.12, 0.62),    # C4
    (329.63, 7, 0.25, 0.62),    # E4
    (440.00, 6, 0.38, 0.62),    # A4
]
NOISE_LEVEL = 1e-3            # seeded white noise added to the mixture
SEED_SIGNAL = 20240611        # noise of the mixture
SEED_U0 = 20240612            # U0 = |N(0,1)|
SEED_PHASE = 20240613         # phase jitter of cnmf_jittered
SEED_U0_EDGE = 20240614       # U0 of cnmf_edge
JITTER_STD = 0.3

NMF_ITERATIONS = 50
CNMF_ITERATIONS = 30
EDGE_ITERATIONS = 20
DEFAULT_P = 1.2
JITTER_P = 1.5

EDGE_SILENT_FRAMES = [0, 1, 17, 18, 19, 39]
EDGE_ZERO_BIN = 200
EDGE_ZERO_COLUMN = 1          # index of the inserted all-zero basis column
THR_TARGET_LO, THR_TARGET_HI = 24, 26   # cnmf_thr fires in this range (largest drop)

QUIET = "--quiet" in sys.argv


def log(*args):
    if not QUIET:
        print(*args)


# ---------------------------------------------------------------- synthesis

def harmonic_tone(f0, n_harm, onset, offset, n_samples, decay=True):
    """Sum of n_harm harmonics, amplitude 1/h, 10 ms linear attack and release.

    With decay=True harmonic h also decays as exp(-(1 + 0.3 h) * 2 * age), so
    the mixture is not exactly a non-negative combination of the bases.
    """
    t = np.arange(n_samples) / SR
    age = t - onset
    on = (age >= 0) & (t < offset)
    env = np.zeros(n_samples)
    ramp = 0.010
    env[on] = np.minimum(1.0, age[on] / ramp)
    rel = (t < offset) & (t > offset - ramp) & on
    env[rel] = np.minimum(env[rel], (offset - t[rel]) / ramp)
    x = np.zeros(n_samples)
    for h in range(1, n_harm + 1):
        amp = 1.0 / h
        if decay:
            amp = amp * np.exp(-(1.0 + 0.3 * h) * 2.0 * np.clip(age, 0, None))
        x += amp * np.sin(2 * np.pi * h * f0 * t + 0.1 * h * h)
    return env * x


def stft(x):
    return librosa.stft(x.astype(np.float32), n_fft=N_FFT, hop_length=HOP,
                        window="hann", center=True, pad_mode="constant")


def build_inputs():
    # bases: isolated steady tones over the whole excerpt, mean magnitude
    cols = []
    for f0, nh, _, _ in NOTES:
        x = harmonic_tone(f0, nh, 0.0, 10.0, N_SAMPLES, decay=False)
        mag = np.abs(stft(x).astype(np.complex128))
        col = mag.mean(axis=1)
        cols.append(col / col.sum())
    H = np.stack(cols, axis=1).astype(np.float32)          # [F, K]

    # mixture with staggered onsets plus low-level seeded noise
    mix = np.zeros(N_SAMPLES)
    for f0, nh, on, off in NOTES:
        mix += harmonic_tone(f0, nh, on, off, N_SAMPLES, decay=True)
    rng = np.random.default_rng(SEED_SIGNAL)
    mix += NOISE_LEVEL * rng.standard_normal(N_SAMPLES)
    Y = stft(mix)                                          # complex64, F-order
    assert Y.dtype == np.complex64 and Y.flags["F_CONTIGUOUS"]

    K, T = H.shape[1], Y.shape[1]
    U0 = np.abs(np.random.default_rng(SEED_U0).standard_normal((K, T))).astype(np.float32)

    # jittered initial phases (from the stored complex64 Y)
    Y64 = Y.astype(np.complex128)
    phi = np.random.default_rng(SEED_PHASE).normal(0.0, JITTER_STD, (K,) + Y.shape)
    P0 = (ref.initial_phases(Y64, K) * np.exp(1j * phi)).astype(np.complex64)

    # edge input: silent frames, one all-zero bin, a zero basis column
    Ye = Y.copy(order="F")
    Ye[:, EDGE_SILENT_FRAMES] = 0
    Ye[EDGE_ZERO_BIN, :] = 0
    He = np.insert(H, EDGE_ZERO_COLUMN, 0.0, axis=1).astype(np.float32)
    U0e = np.abs(np.random.default_rng(SEED_U0_EDGE).standard_normal(
        (He.shape[1], T))).astype(np.float32)
    assert Ye.flags["F_CONTIGUOUS"]
    return dict(Y=Y, H=H, U0=U0, P0=P0, Ye=Ye, He=He, U0e=U0e)


# ---------------------------------------------------------------- file output

FILES = {}


def save(name, arr):
    """Save one .npy (deterministic header) and index it for the manifest."""
    path = os.path.join(OUT_DIR, name)
    np.save(path, arr, allow_pickle=False)
    with open(path, "rb") as fh:
        data = fh.read()
    FILES[name] = {
        "shape": list(arr.shape),
        "dtype": np.dtype(arr.dtype).name,
        "fortran_order": bool(arr.flags["F_CONTIGUOUS"] and not arr.flags["C_CONTIGUOUS"]),
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    return name


def f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def c128(a):
    return np.ascontiguousarray(a, dtype=np.complex128)


# ---------------------------------------------------------------- checks

def max_rel_increase(cost):
    """max over i of (cost[i+1] - cost[i]) / |cost[i]|, floored at 0."""
    c = np.asarray(cost)
    if c.size < 2:
        return 0.0
    inc = (c[1:] - c[:-1]) / np.abs(c[:-1])
    return float(max(0.0, inc.max()))


def angle_between(a, b):
    """|arg(a / b)| for unit complex numbers, elementwise, in [0, pi]."""
    return np.abs(np.angle(a * np.conj(b)))


def phase_stats(P, Y, H, U, rel_weight=1e-3):
    """Max phase deviation from Y/|Y| and max spread between components.

    'all' uses every (k, f, t) with |Y| > 0 and S > 0; 'significant' only
    entries whose component magnitude H U is >= rel_weight * |Y| (the entries
    that actually influence the reconstruction).
    """
    Y = Y.astype(np.complex128)
    K = P.shape[0]
    base = ref.initial_phases(Y, K)
    HU = ref.component_products(H.astype(np.float64), U.astype(np.float64))
    ok = (np.abs(Y) > 0)[None] & (HU.sum(axis=0) > 0)[None]
    ok = np.broadcast_to(ok, P.shape)
    sig = ok & (HU >= rel_weight * np.abs(Y)[None])
    dev = angle_between(P, base)
    spread = np.zeros(Y.shape)
    spread_sig = np.zeros(Y.shape)
    for k in range(K):
        for m in range(k + 1, K):
            d = angle_between(P[k], P[m])
            both = ok[k] & ok[m]
            spread = np.maximum(spread, np.where(both, d, 0))
            bs = sig[k] & sig[m]
            spread_sig = np.maximum(spread_sig, np.where(bs, d, 0))
    w = np.where(ok, HU, 0.0)
    return {
        "weighted_mean_dev": float(np.sum(w * dev) / np.sum(w)),
        "frac_bins_spread_gt_0.1": float(np.mean(spread > 0.1)),
        "max_dev_all": float(dev[ok].max()),
        "max_dev_significant": float(dev[sig].max()) if sig.any() else 0.0,
        "frac_dev_gt_1e-3_all": float(np.mean(dev[ok] > 1e-3)),
        "max_spread_all": float(spread.max()),
        "max_spread_significant": float(spread_sig.max()),
    }


def single_step_agreement(Y, H, U, P, lam, p):
    """Apply ONE literal and ONE factored update to the same state; compare."""
    Ul, Pl = ref.cnmf_update_literal(Y, H, U, P, lam, p)
    Uf, Pf = ref.cnmf_update_factored(Y, H, U, P, lam, p)
    live = (Ul > ref.ACTIVATION_FLOOR)[:, None, :]
    live_y = live & (np.abs(Y) > 0)[None]
    return {"U_max_rel": float(np.abs(Ul - Uf).max() / np.abs(Ul).max()),
            "P_max_abs": float((np.abs(Pl - Pf) * live).max()),
            "P_max_abs_where_Y_nonzero": float((np.abs(Pl - Pf) * live_y).max())}


def penalised_euclid_check(Y, H, U0, lam, p, iterations, result):
    """Third computation of a symmetric-start run.

    With all P_k equal to Y/|Y| the exact update is
        U <- U * (H^T |Y|) / (H^T H U + lambda p U^(p-1)),  U <- max(U, floor)
    (Euclidean multiplicative update on |Y| with the sparsity term).
    Returns max |U - U_golden| / max U_golden.
    """
    V = np.abs(Y)
    U = np.maximum(U0.astype(np.float64), ref.ACTIVATION_FLOOR)
    for _ in range(result["iterations"]):
        num = H.T @ V
        den = H.T @ H @ U + lam * p * U ** (p - 1.0)
        Un = np.full_like(U, ref.ACTIVATION_FLOOR)
        ok = den != 0
        Un[ok] = U[ok] * num[ok] / den[ok]
        U = np.maximum(Un, ref.ACTIVATION_FLOOR)
    return float(np.abs(U - result["activations_raw"]).max() / result["activations_raw"].max())


# ---------------------------------------------------------------- main

def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for old in os.listdir(OUT_DIR):
        if old.endswith(".npy") or old == "manifest.json":
            os.remove(os.path.join(OUT_DIR, old))

    inp = build_inputs()
    save("input_Y.npy", inp["Y"])
    save("input_H.npy", inp["H"])
    save("input_U0.npy", inp["U0"])
    save("input_P0_jittered.npy", inp["P0"])
    save("input_edge_Y.npy", inp["Ye"])
    save("input_edge_H.npy", inp["He"])
    save("input_edge_U0.npy", inp["U0e"])

    # the references use the STORED values cast up
    Y = inp["Y"].astype(np.complex128)
    H = inp["H"].astype(np.float64)
    U0 = inp["U0"].astype(np.float64)
    P0j = inp["P0"].astype(np.complex128)
    Ye = inp["Ye"].astype(np.complex128)
    He = inp["He"].astype(np.float64)
    U0e = inp["U0e"].astype(np.float64)
    H_before = H.copy()
    He_before = He.copy()
    F, T = Y.shape
    K = H.shape[1]
    log(f"F={F} T={T} K={K}  |Y| range [{np.abs(Y).min():.3e}, {np.abs(Y).max():.3e}]")

    cases = []
    checks = {}

    # ------------------------------------------------------------ NMF
    V = np.abs(Y)
    for div in ref.NMF_DIVERGENCES:
        name = f"nmf_{div}"
        r = ref.nmf(V, H, U0, div, NMF_ITERATIONS)
        outs = {
            "activations": save(f"{name}_activations.npy", f64(r["activations"])),
            "reconstruction": save(f"{name}_reconstruction.npy", f64(r["reconstruction"])),
            "cost": save(f"{name}_cost.npy", f64(r["cost"])),
        }
        chk = {
            "max_rel_cost_increase": max_rel_increase(r["cost"]),
            "cost_first": float(r["cost"][0]),
            "cost_last": float(r["cost"][-1]),
            "reconstruction_equals_HU_maxabs": float(np.abs(r["reconstruction"] - H @ r["activations"]).max()),
        }
        checks[name] = chk
        log(f"[{name}] iters={r['iterations']} cost {chk['cost_first']:.6e} -> {chk['cost_last']:.6e}"
            f"  max rel increase {chk['max_rel_cost_increase']:.3e}")
        cases.append({
            "name": name,
            "algorithm": "nmf",
            "description": f"supervised NMF on V = |Y|, {div} divergence, U only updated",
            "inputs": {"Y": "input_Y.npy", "H": "input_H.npy", "U0": "input_U0.npy"},
            "input_note": "V = |Y| computed from the stored complex64 Y (cast to complex128)",
            "parameters": {"divergence": div, "iterations": NMF_ITERATIONS,
                           "thr": None, "tol": None, "eps": ref.EPS},
            "iterations_run": r["iterations"],
            "stop_reason": r["stop_reason"],
            "outputs": outs,
            "checks": chk,
        })

    # ------------------------------------------------------------ Complex NMF
    #
    # Which form produces the golden values
    # -------------------------------------
    # When every component starts with the same phase (P_k = Y/|Y| for all k),
    # the exact-arithmetic trajectory keeps all P_k equal (z_k = S P_k + R is
    # then the same for every k): the run is magnitude NMF with a sparsity
    # term.  That state is a saddle of J: a differential phase perturbation is
    # multiplied by S/|Y| per update in every bin, and S > |Y| in most bins.
    # The literal form computes Xbar_k = H U_k P + beta_k R with a rounding
    # error that differs per k, so in floating point it leaves the symmetric
    # state and ends wherever the amplified rounding noise leads (several %
    # different in U after 30 updates, and different again in float32).  The
    # factored form keeps the symmetry exactly.  So, for cases that START in
    # the symmetric state, the golden values are the exact-arithmetic
    # trajectory computed with the factored form ("golden_form": "factored");
    # a third computation (penalised Euclidean MU) confirms it.  Cases with a
    # generic start (jittered P0) use the literal form; there the two forms
    # agree to ~1e-11 over the whole run.
    def run_cnmf(name, description, Yc, Hc, U0c, iterations, inputs, p=DEFAULT_P,
                 lam=None, P0=None, thr=None, tol=None, save_phases=True,
                 save_reconstruction=True, extra_params=None, form="literal"):
        other = "factored" if form == "literal" else "literal"
        r = ref.complex_nmf(Yc, Hc, U0c, iterations, p=p, lam=lam, P0=P0, thr=thr, tol=tol,
                            form=form)
        ro = ref.complex_nmf(Yc, Hc, U0c, iterations, p=p, lam=lam, P0=P0, thr=thr, tol=tol,
                             form=other)
        outs = {"activations": save(f"{name}_activations.npy", f64(r["activations"]))}
        if save_reconstruction:
            outs["reconstruction"] = save(f"{name}_reconstruction.npy", c128(r["reconstruction"]))
        if save_phases:
            outs["phases"] = save(f"{name}_phases.npy", c128(r["phases"]))
        outs["cost"] = save(f"{name}_cost.npy", f64(r["cost"]))

        Ua = r["activations"]
        scaleU = max(np.abs(Ua).max(), 1e-300)
        model = ref.cnmf_model(Hc, Ua, r["phases"])
        live = Ua > 0
        same_n = r["iterations"] == ro["iterations"]
        lam_v = r["lam"]
        P_start = ref.initial_phases(Yc, Hc.shape[1]) if P0 is None else P0
        chk = {
            "max_rel_cost_increase": max_rel_increase(r["cost"]),
            "cost_first": float(r["cost"][0]),
            "cost_last": float(r["cost"][-1]),
            "model_minus_reconstruction_maxabs": float(np.abs(model - r["reconstruction"]).max()),
            "any_nan_or_inf": bool(not (np.all(np.isfinite(Ua)) and np.all(np.isfinite(r["phases"]))
                                        and np.all(np.isfinite(r["reconstruction"]))
                                        and np.all(np.isfinite(r["cost"])))),
            "max_abs_phase_modulus_error": float(np.abs(np.abs(r["phases"]) - 1).max()),
            "whole_run_" + form + "_vs_" + other: {
                "iterations_equal": same_n,
                "activations_max_rel": float(np.abs(Ua - ro["activations"]).max() / scaleU)
                if same_n else None,
                "phases_max_abs_diff_live": float(
                    (np.abs(r["phases"] - ro["phases"]) * live[:, None, :]).max()) if same_n else None,
                "cost_max_rel": float(np.abs(r["cost"] - ro["cost"]).max() / np.abs(r["cost"]).max())
                if same_n else None,
            },
            "single_update_literal_vs_factored": {
                "from_start": single_step_agreement(Yc, Hc, U0c, P_start, lam_v, p),
                "from_final": single_step_agreement(Yc, Hc, r["activations_raw"], r["phases"], lam_v, p),
            },
            "zero_activation_count": int(np.sum(Ua == 0)),
        }
        checks[name] = chk
        w = chk["whole_run_" + form + "_vs_" + other]
        s1 = chk["single_update_literal_vs_factored"]
        log(f"[{name}] golden form={form} iters={r['iterations']} ({r['stop_reason']}) lam={lam_v:.6e} p={p}"
            f"  J {chk['cost_first']:.6e} -> {chk['cost_last']:.6e}"
            f"  max rel J increase {chk['max_rel_cost_increase']:.3e}")
        log(f"    model-recon {chk['model_minus_reconstruction_maxabs']:.2e}  nan/inf={chk['any_nan_or_inf']}"
            f"  ||P|-1| {chk['max_abs_phase_modulus_error']:.1e}")
        if same_n:
            log(f"    whole run vs {other}: U rel {w['activations_max_rel']:.2e}, "
                f"P (live) {w['phases_max_abs_diff_live']:.2e}, J rel {w['cost_max_rel']:.2e}")
        else:
            log(f"    whole run vs {other}: stopped after {ro['iterations']} instead of {r['iterations']}")
        log(f"    single update literal vs factored: from start U {s1['from_start']['U_max_rel']:.1e} "
            f"P {s1['from_start']['P_max_abs']:.1e} (|Y|>0: {s1['from_start']['P_max_abs_where_Y_nonzero']:.1e}); "
            f"from final U {s1['from_final']['U_max_rel']:.1e} "
            f"P {s1['from_final']['P_max_abs']:.1e} (|Y|>0: {s1['from_final']['P_max_abs_where_Y_nonzero']:.1e})")
        params = {"p": p, "lambda": lam_v,
                  "lambda_rule": "default" if lam is None else "explicit",
                  "iterations": iterations, "thr": thr, "tol": tol,
                  "activation_floor": ref.ACTIVATION_FLOOR,
                  "initial_phases": "Y/|Y| (1 where |Y|=0)" if P0 is None else "P0 input"}
        if extra_params:
            params.update(extra_params)
        cases.append({
            "name": name, "algorithm": "complex_nmf", "description": description,
            "golden_form": form,
            "inputs": inputs, "parameters": params,
            "iterations_run": r["iterations"], "stop_reason": r["stop_reason"],
            "outputs": outs, "checks": chk,
        })
        return r, ro

    base_inputs = {"Y": "input_Y.npy", "H": "input_H.npy", "U0": "input_U0.npy"}
    jit_inputs = dict(base_inputs, P0="input_P0_jittered.npy")
    sym_note = ("symmetric start: golden = exact-arithmetic trajectory (factored form); "
                "the literal form in floating point drifts off it, see checks")

    r_def, _ = run_cnmf("cnmf_default", "default p and lambda, phases from Y/|Y|; " + sym_note,
                        Y, H, U0, CNMF_ITERATIONS, base_inputs, form="factored")
    lam_def = r_def["lam"]
    pe = penalised_euclid_check(Y, H, U0, lam_def, DEFAULT_P, CNMF_ITERATIONS, r_def)
    checks["cnmf_default"]["penalised_euclid_mu_U_max_rel"] = pe

    lam_j = 0.5 * ref.default_lambda(Y, JITTER_P)
    r_j, _ = run_cnmf("cnmf_jittered",
                      "explicit P0 = Y/|Y| * exp(j phi), phi ~ N(0, 0.3); p = 1.5; "
                      "lambda = 0.5 * default_lambda(Y, p=1.5)",
                      Y, H, U0, CNMF_ITERATIONS, jit_inputs,
                      p=JITTER_P, lam=lam_j, P0=P0j,
                      extra_params={"lambda_rule": "0.5 * 1e-5 * sum|Y|^2 / F^(1 - p/2) with p = 1.5"})

    r_l0, _ = run_cnmf("cnmf_lambda0", "lambda = 0, p = 1.2; " + sym_note +
                       " (phases equal Y/|Y| for every k: not stored)",
                       Y, H, U0, CNMF_ITERATIONS, base_inputs, lam=0.0, save_phases=False,
                       form="factored")
    checks["cnmf_lambda0"]["penalised_euclid_mu_U_max_rel"] = penalised_euclid_check(
        Y, H, U0, 0.0, DEFAULT_P, CNMF_ITERATIONS, r_l0)

    r_e, _ = run_cnmf(
        "cnmf_edge",
        "silent frames, one all-zero bin, one all-zero basis column; default p and lambda; "
        + sym_note + " (phases not stored)",
        Ye, He, U0e, EDGE_ITERATIONS,
        {"Y": "input_edge_Y.npy", "H": "input_edge_H.npy", "U0": "input_edge_U0.npy"},
        save_phases=False, form="factored",
        extra_params={"silent_frames": EDGE_SILENT_FRAMES, "zero_bin": EDGE_ZERO_BIN,
                      "zero_basis_column": EDGE_ZERO_COLUMN})
    checks["cnmf_edge"]["penalised_euclid_mu_U_max_rel"] = penalised_euclid_check(
        Ye, He, U0e, r_e["lam"], DEFAULT_P, EDGE_ITERATIONS, r_e)

    # thr: default p and lambda but the jittered P0, so that the cost still
    # falls by ~1e-3 per update around update 25 (on the symmetric trajectory
    # it falls by < 1e-7 there, below float32 cost accuracy -> flaky test).
    probe = ref.complex_nmf(Y, H, U0, CNMF_ITERATIONS, p=DEFAULT_P, P0=P0j)
    c = probe["cost"]
    n_thr = max(range(THR_TARGET_LO, THR_TARGET_HI + 1),
                key=lambda n: (c[n - 2] - c[n - 1]) / c[n - 1])
    thr = float(0.5 * (c[n_thr - 2] + c[n_thr - 1]))
    thr_margin = float(min(c[n_thr - 2] - thr, thr - c[n_thr - 1]) / thr)

    # tol: on the default (symmetric) trajectory; first n >= 5 whose relative
    # decrease is < 1/2 of all earlier ones, tol = geometric mean of the two
    c = r_def["cost"]
    dec = (c[:-1] - c[1:]) / c[:-1]                   # dec[n-2]: decrease at update n
    n_tol = None
    for n in range(5, len(c) + 1):
        prior = dec[: n - 2].min()
        if dec[n - 2] < 0.5 * prior:
            n_tol = n
            tol = float(np.sqrt(dec[n - 2] * prior))
            tol_margin = float(min(prior / tol, tol / dec[n - 2]))
            break
    assert n_tol is not None
    thr_big = float(2.0 * c[0])                      # below from update 1 -> stops at 20

    r_thr, _ = run_cnmf("cnmf_thr",
                        "default p and lambda, jittered P0 (input_P0_jittered.npy), with thr: "
                        f"cost < thr first at update {n_thr}",
                        Y, H, U0, CNMF_ITERATIONS, jit_inputs, P0=P0j, thr=thr,
                        save_phases=False, save_reconstruction=False,
                        extra_params={"thr_relative_margin": thr_margin,
                                      "expected_iterations": n_thr})
    r_thr20, _ = run_cnmf("cnmf_thr_min20",
                          "as cnmf_default with thr = 2 * cost[0] (every cost is below): "
                          "the >= 20 rule stops at 20; " + sym_note,
                          Y, H, U0, CNMF_ITERATIONS, base_inputs, thr=thr_big,
                          save_phases=False, save_reconstruction=False, form="factored",
                          extra_params={"expected_iterations": ref.THR_MIN_ITERATIONS})
    r_tol, _ = run_cnmf("cnmf_tol", "as cnmf_default with tol (early stop); " + sym_note,
                        Y, H, U0, CNMF_ITERATIONS, base_inputs, tol=tol,
                        save_phases=False, save_reconstruction=False, form="factored",
                        extra_params={"tol_ratio_margin": tol_margin,
                                      "expected_iterations": n_tol})
    assert r_thr["iterations"] == n_thr, r_thr["iterations"]
    assert np.array_equal(r_thr["cost"], probe["cost"][:n_thr])
    assert r_thr20["iterations"] == ref.THR_MIN_ITERATIONS
    assert np.array_equal(r_thr20["cost"], r_def["cost"][:ref.THR_MIN_ITERATIONS])
    assert r_tol["iterations"] == n_tol, (r_tol["iterations"], n_tol)
    assert np.array_equal(r_tol["cost"], r_def["cost"][:n_tol])
    pf = ref.complex_nmf(Y, H, U0, n_thr, p=DEFAULT_P, P0=P0j, dtype="float32")["cost"]
    thr_f32_err = float(np.abs(pf / probe["cost"][:n_thr] - 1).max())
    checks["cnmf_thr"]["float32_cost_rel_error"] = thr_f32_err
    log(f"thr={thr:.9e} stops at {r_thr['iterations']} (relative margin {thr_margin:.2e}, "
        f"float32-arithmetic cost error {thr_f32_err:.1e}); thr_min20={thr_big:.6e} stops at "
        f"{r_thr20['iterations']}; tol={tol:.6e} stops at {r_tol['iterations']} "
        f"(ratio margin {tol_margin:.2f})")
    log("    relative decreases of cnmf_default J:", " ".join(f"{d:.2e}" for d in dec[:12]))

    # ------------------------------------------------------------ property checks
    log("\n=== property checks ===")
    log("H unchanged:", np.array_equal(H, H_before) and np.array_equal(He, He_before),
        "| stored H bits == reference H bits:", np.array_equal(inp["H"].astype(np.float64), H))
    for name, chk in checks.items():
        log(f"  {name:16s} max rel cost increase {chk['max_rel_cost_increase']:.3e}")
    # silent frames / zero column in the edge case
    Ua = r_e["activations"]
    silent_zero = bool(np.all(Ua[:, EDGE_SILENT_FRAMES] == 0))
    col_zero = bool(np.all(Ua[EDGE_ZERO_COLUMN] == 0))
    nonsilent = [t for t in range(T) if t not in EDGE_SILENT_FRAMES]
    checks["cnmf_edge"]["silent_frames_zero"] = silent_zero
    checks["cnmf_edge"]["zero_column_zero"] = col_zero
    checks["cnmf_edge"]["silent_frames_max_raw_activation"] = float(
        r_e["activations_raw"][:, EDGE_SILENT_FRAMES].max())
    checks["cnmf_edge"]["reconstruction_silent_frames_maxabs"] = float(
        np.abs(r_e["reconstruction"][:, EDGE_SILENT_FRAMES]).max())
    log(f"edge: silent-frame activations all 0: {silent_zero}"
        f" (max raw {checks['cnmf_edge']['silent_frames_max_raw_activation']:.1e});"
        f" zero column all 0: {col_zero}; nan/inf: {checks['cnmf_edge']['any_nan_or_inf']};"
        f" nonzero activations elsewhere: {int(np.sum(Ua[:, nonsilent] > 0))}/"
        f"{(He.shape[1] - 1) * len(nonsilent)} (non-zero columns)")
    # phases at the all-zero bin: the golden (factored) run keeps them equal;
    # the literal form in float64 splits them (gain S/|Y| is infinite there)
    live_k = [k for k in range(He.shape[1]) if k != EDGE_ZERO_COLUMN]

    def zero_bin_spread(P):
        zb = P[:, EDGE_ZERO_BIN, :]
        return float(max(angle_between(zb[a], zb[b])[nonsilent].max()
                         for a in live_k for b in live_k))

    e_lit = ref.complex_nmf(Ye, He, U0e, EDGE_ITERATIONS)
    checks["cnmf_edge"]["zero_bin_phase_spread_golden"] = zero_bin_spread(r_e["phases"])
    checks["cnmf_edge"]["zero_bin_phase_spread_literal_float64"] = zero_bin_spread(e_lit["phases"])
    log(f"edge zero bin {EDGE_ZERO_BIN}: max phase spread between live components: golden "
        f"{checks['cnmf_edge']['zero_bin_phase_spread_golden']:.3f} rad, literal float64 "
        f"{checks['cnmf_edge']['zero_bin_phase_spread_literal_float64']:.3f} rad")
    for name in ("cnmf_default", "cnmf_lambda0", "cnmf_edge"):
        log(f"{name}: golden U vs penalised Euclidean MU on |Y|: max rel "
            f"{checks[name]['penalised_euclid_mu_U_max_rel']:.2e}")

    # phases of the default case in float64
    st_def = phase_stats(r_def["phases"], Y, H, r_def["activations_raw"])
    checks["cnmf_default"]["phase_motion_float64"] = st_def
    log(f"cnmf_default float64, 30 it: phases vs Y/|Y|: {fmt_stats(st_def)}")
    st_j = phase_stats(r_j["phases"], Y, H, r_j["activations_raw"])
    log(f"cnmf_jittered float64, 30 it: phases vs Y/|Y|: {fmt_stats(st_j)}")
    dj = angle_between(r_j["phases"], P0j / np.abs(P0j))
    log(f"cnmf_jittered: max phase change from P0 {dj.max():.3f} rad, mean {dj.mean():.3f} rad")

    drift = rounding_study(Y, H, U0, lam_def)
    checks["cnmf_default"]["rounding_study"] = drift

    # ------------------------------------------------------------ manifest
    total = sum(v["bytes"] for v in FILES.values())
    manifest = {
        "generator": "Tests/Golden/make_factorization_golden.py",
        "reference": "Tests/Golden/reference_factorization.py",
        "notation": {
            "Y": "complex spectrogram [F, T]", "H": "basis [F, K], fixed",
            "U": "activations [K, T] >= 0", "P": "phases [K, F, T], unit modulus",
        },
        "conventions": {
            "eps": ref.EPS,
            "activation_floor": ref.ACTIVATION_FLOOR,
            "cost_indexing": "cost[i] = cost after update i+1; len(cost) = iterations_run",
            "thr": f"stop after update n if n >= {ref.THR_MIN_ITERATIONS} and cost < thr",
            "tol": "stop after update n >= 2 if (cost[n-2] - cost[n-1]) / cost[n-2] < tol "
                   "(initial cost not used)",
            "nmf_costs": {
                "euclid": "0.5 * ||V - HU||_F^2",
                "kl": "sum V log((V+eps)/(HU+eps)) - V + HU  (V log term 0 where V == 0)",
                "is": "sum (V+eps)/(HU+eps) - log((V+eps)/(HU+eps)) - 1",
            },
            "cnmf_cost": "J = sum |Y - sum_k H U P|^2 + 2 lambda sum U^p (float64)",
            "cnmf_default_lambda": "1e-5 * sum|Y|^2 / F^(1 - p/2)",
            "cnmf_activations": "values <= activation_floor reported as exactly 0; "
                                "U0 floored at entry; U floored after every update",
            "cnmf_reconstruction": "sum_k H U P from the iterated (floored) U",
            "golden_form": "literal: reference_factorization.cnmf_update_literal; factored: "
                           "cnmf_update_factored. Cases starting with all P_k = Y/|Y| use the "
                           "factored form (exact-arithmetic trajectory, all P_k stay equal); "
                           "the literal form in floating point drifts off that saddle "
                           "(see checks.*.whole_run_*).",
            "references_computed_from": "stored float32/complex64 inputs cast to float64/complex128",
            "blas_threads": 1,
        },
        "stft": {"sample_rate": SR, "n_fft": N_FFT, "hop_length": HOP, "window": "hann",
                 "center": True, "pad_mode": "constant", "n_samples": N_SAMPLES},
        "synthesis": {
            "notes": [{"f0_hz": f0, "harmonics": nh, "onset_s": on, "offset_s": off}
                      for f0, nh, on, off in NOTES],
            "bases": "steady tone, |STFT| averaged over frames, column normalised to unit sum",
            "noise_level": NOISE_LEVEL,
            "seeds": {"signal_noise": SEED_SIGNAL, "U0": SEED_U0, "phase_jitter": SEED_PHASE,
                      "edge_U0": SEED_U0_EDGE},
            "U0": "|N(0,1)| from numpy.random.default_rng(seed), cast to float32",
            "phase_jitter_std": JITTER_STD,
        },
        "versions": {"numpy": np.__version__, "librosa": librosa.__version__},
        "shapes": {"F": F, "T": T, "K": K, "K_edge": int(He.shape[1])},
        "cases": cases,
        "files": FILES,
        "total_bytes": total,
    }
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as fh:
        json.dump(to_jsonable(manifest), fh, indent=2, sort_keys=True)
        fh.write("\n")
    log(f"\nwrote {len(FILES)} .npy files + manifest.json, {total} bytes of .npy")


def fmt_stats(s):
    return (f"max dev {s['max_dev_all']:.2e} rad (signif. {s['max_dev_significant']:.2e}),"
            f" HU-weighted mean dev {s['weighted_mean_dev']:.2e},"
            f" bins with spread>0.1: {s['frac_bins_spread_gt_0.1']:.3f},"
            f" frac dev>1e-3 {s['frac_dev_gt_1e-3_all']:.3f},"
            f" max spread {s['max_spread_all']:.2e} (signif. {s['max_spread_significant']:.2e})")


def rounding_study(Y, H, U0, lam):
    """Does rounding noise move the phases off the all-equal state Y/|Y|?

    Runs cnmf_default in float64 and in float32 arithmetic (everything cast
    to float32/complex64 inside the iteration) for 300 updates and reports the
    phase deviation / spread after 30 and 300 updates, the effect on U, and a
    linear-stability figure: around P_k = Y/|Y| a differential phase
    perturbation (sum_k beta_k delta_k = 0) is multiplied per iteration by
    S/|Y| in each bin, so bins with S > |Y| amplify rounding noise.
    """
    log("\n=== rounding study (cnmf_default) ===")
    out = {}
    snaps = {}
    for dtype in ("float64", "float32"):
        for form in ("literal", "factored"):
            rec = {}

            def cb(n, U, P, rec=rec):
                if n in (30, 100, 300):
                    rec[n] = (U.astype(np.float64).copy(), P.astype(np.complex128).copy())

            ref.complex_nmf(Y, H, U0, 300, lam=lam, dtype=dtype, form=form, callback=cb)
            snaps[(dtype, form)] = rec
    U64_30 = snaps[("float64", "factored")][30][0]
    U64_300 = snaps[("float64", "factored")][300][0]
    for (dtype, form), rec in snaps.items():
        for n in (30, 100, 300):
            U, P = rec[n]
            s = phase_stats(P, Y, H, U)
            Uref = U64_30 if n == 30 else (U64_300 if n == 300 else snaps[("float64", "factored")][100][0])
            s["U_max_rel_diff_vs_float64_factored"] = float(np.abs(U - Uref).max() / np.abs(Uref).max())
            s["J"] = ref.cnmf_cost(Y, H, U, P, lam, DEFAULT_P)
            out[f"{dtype}_{form}_{n}"] = s
            log(f"{dtype:7s} {form:8s} n={n:3d}: {fmt_stats(s)}; U rel diff vs f64 factored "
                f"{s['U_max_rel_diff_vs_float64_factored']:.2e}; J {s['J']:.9e}")
    # float32 arithmetic on the other inputs
    d = np.load(os.path.join(OUT_DIR, "input_edge_Y.npy")).astype(np.complex128)
    He = np.load(os.path.join(OUT_DIR, "input_edge_H.npy")).astype(np.float64)
    U0e = np.load(os.path.join(OUT_DIR, "input_edge_U0.npy")).astype(np.float64)
    P0j = np.load(os.path.join(OUT_DIR, "input_P0_jittered.npy")).astype(np.complex128)
    with np.errstate(all="ignore"):
        for form in ("literal", "factored"):
            e32 = ref.complex_nmf(d, He, U0e, EDGE_ITERATIONS, dtype="float32", form=form)
            e64 = ref.complex_nmf(d, He, U0e, EDGE_ITERATIONS, form="factored")
            nan_u = int(np.sum(~np.isfinite(e32["activations"])))
            nan_p = int(np.sum(~np.isfinite(e32["phases"])))
            rel = float(np.nanmax(np.abs(e32["activations"] - e64["activations"]))
                        / e64["activations"].max())
            out[f"edge_float32_{form}"] = {"nonfinite_U": nan_u, "nonfinite_P": nan_p,
                                           "U_max_rel_diff_vs_golden": rel}
            log(f"edge float32 {form:8s}: non-finite U {nan_u}, non-finite P {nan_p}, "
                f"U rel diff vs golden {rel:.2e}")
        lam_j = 0.5 * ref.default_lambda(Y, JITTER_P)
        j64 = ref.complex_nmf(Y, H, U0, CNMF_ITERATIONS, p=JITTER_P, lam=lam_j, P0=P0j)
        for form in ("literal", "factored"):
            j32 = ref.complex_nmf(Y, H, U0, CNMF_ITERATIONS, p=JITTER_P, lam=lam_j, P0=P0j,
                                  dtype="float32", form=form)
            rel = float(np.abs(j32["activations"] - j64["activations"]).max()
                        / j64["activations"].max())
            dp = float((np.abs(j32["phases"] - j64["phases"])
                        * (j64["activations"] > 0)[:, None, :]).max())
            HU = ref.component_products(H, j64["activations_raw"])
            dpw = float(np.sum(HU * np.abs(j32["phases"] - j64["phases"])) / np.sum(HU))
            drec = float(np.abs(j32["reconstruction"] - j64["reconstruction"]).max()
                         / np.abs(Y).max())
            out[f"jittered_float32_{form}"] = {"U_max_rel_diff_vs_golden": rel,
                                               "P_max_abs_diff_vs_golden": dp,
                                               "P_HU_weighted_mean_abs_diff": dpw,
                                               "reconstruction_max_abs_diff_over_max_absY": drec}
            log(f"jittered float32 {form:8s}: U rel diff vs golden {rel:.2e}, P max abs diff {dp:.2e}"
                f" (HU-weighted mean {dpw:.1e}), reconstruction diff / max|Y| {drec:.1e}")

    # linear gain S/|Y| at the float64 iterate after 30 updates
    S = H @ U64_30
    ratio = S / np.maximum(np.abs(Y), 1e-300)
    out["gain_S_over_absY"] = {"max": float(ratio.max()),
                               "frac_bins_gt_1": float(np.mean(ratio > 1)),
                               "frac_bins_gt_2": float(np.mean(ratio > 2))}
    log(f"linear gain S/|Y| after 30 it (float64): max {ratio.max():.3e}, "
        f"fraction of bins > 1: {np.mean(ratio > 1):.3f}, > 2: {np.mean(ratio > 2):.3f}")

    # controlled experiment: float64 but a 1e-7 rad differential kick in P0
    K = H.shape[1]
    kick = np.random.default_rng(7).normal(0.0, 1e-7, (K,) + Y.shape)
    P0 = ref.initial_phases(Y, K) * np.exp(1j * kick)
    rec = {}

    def cb2(n, U, P):
        if n in (30, 100, 300):
            rec[n] = (U.copy(), P.copy())

    ref.complex_nmf(Y, H, U0, 300, lam=lam, P0=P0, callback=cb2)
    for n in (30, 100, 300):
        U, P = rec[n]
        s = phase_stats(P, Y, H, U)
        Uref = {30: U64_30, 300: U64_300}.get(n, snaps[("float64", "factored")][100][0])
        s["U_max_rel_diff_vs_float64_factored"] = float(np.abs(U - Uref).max() / np.abs(Uref).max())
        s["J"] = ref.cnmf_cost(Y, H, U, P, lam, DEFAULT_P)
        out[f"float64_kick1e-7_{n}"] = s
        log(f"float64 + 1e-7 rad kick n={n:3d}: {fmt_stats(s)}; U rel diff "
            f"{s['U_max_rel_diff_vs_float64_factored']:.2e}; J {s['J']:.9e}")
    return out


def to_jsonable(o):
    if isinstance(o, dict):
        return {str(k): to_jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [to_jsonable(v) for v in o]
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, np.bool_):
        return bool(o)
    return o


if __name__ == "__main__":
    main()
