"""Separation methods prototyped for ComplexNMF (fixed basis, 100 iterations everywhere).

Notation (one channel): Y [F x T] complex mixture STFT, V = |Y|, W [F x K] fixed basis (unit-sum
columns, one per note file), U [K x T] activations, col[k] = source of column k.

Building blocks
  nmf_beta      multiplicative updates of U for the beta-divergence D_beta(V^p | W_p U), W fixed:
                  U <- U * (W_p^T (Lam^(beta-2) * V^p)) / (W_p^T Lam^(beta-1)),  Lam = W_p U
                p = 1: magnitude model (W_p = W);  p = 2: power model (W_p = W^2, columns
                re-normalised), i.e. the Gaussian composite model when beta = 0 (IS).
                Init: U0 = |N(0,1)| (numpy default_rng(0), as the baseline); with scale_init each
                frame is rescaled so that sum_f (W_p U0)[:, t] = sum_f V^p[:, t] (per frame, so
                streaming-compatible; beta = 0 needs it because MU are slow to fix a global scale).
  expand_basis  "envelope-modulated templates": each template w_k is multiplied by the d+1
                Bernstein polynomials of degree d in normalised log-frequency
                x(f) = clip(log(f/50 Hz)/log(16 kHz/50 Hz), 0, 1):  g_j(x) = C(d,j) x^j (1-x)^(d-j).
                They are >= 0 and sum to 1, so the original template is the special case of equal
                gains, and every expanded column keeps the FULL harmonic comb of the note (unlike
                band-splitting, which would leave single partials that any note could explain).
                Source k then has a per-frame smooth spectral tilt/curvature (decay of high
                partials, velocity-dependent brightness) at the cost of (d+1) x the activations.
  masks         source magnitude estimate M_s = sum_{k in s} (W_p U)_k^(1/p), mask
                M_s^alpha / sum_j M_j^alpha (alpha = 1 ratio mask, alpha = 2 Wiener).
  phase_aware   (PU-consistent) per-frame phase-aware reconstruction from magnitude estimates
                A_s and a phase prediction psi_s(t) = angle(X_s(t-1)) + 2 pi nu_s(f) hop / n_fft
                where nu_s(f) (in bins) is the interpolated frequency of the template partial
                nearest to bin f (phase locking within the main lobe); then J per-bin projections
                P_s <- A_s exp(i angle(P_s + w_s E)), E = Y - sum P, and finally
                X_s = P_s + w_s (Y - sum P), w_s = A_s^2 / sum A^2  (sum_s X_s = Y exactly).
  misi          MISI (Gunawan & Sen 2010): X_s <- A_s exp(i angle(C_s + E/S)), C_s = STFT(ISTFT(X_s)),
                E = Y - sum C; output C_s + w_s E (mixture-consistent).
"""
import numpy as np
from math import comb

import quality_metrics as qm

EPS = 1e-12
ITER = 100


# ------------------------------------------------------------------ activations
def nmf_beta(V, W, beta=2.0, p=1, iters=ITER, seed=0, scale_init=True):
    Wp = W ** p
    Wp = Wp / np.maximum(Wp.sum(0, keepdims=True), EPS)
    Vp = V ** p
    rng = np.random.default_rng(seed)
    U = np.abs(rng.standard_normal((W.shape[1], V.shape[1])))
    if scale_init:
        U *= Vp.sum(0, keepdims=True) / np.maximum((Wp @ U).sum(0, keepdims=True), EPS)
    if beta == 2:
        WtV, WtW = Wp.T @ Vp, Wp.T @ Wp
        for _ in range(iters):
            U *= WtV / np.maximum(WtW @ U, EPS)
    else:
        for _ in range(iters):
            L = np.maximum(Wp @ U, EPS)
            U *= (Wp.T @ (Vp * L ** (beta - 2))) / np.maximum(Wp.T @ L ** (beta - 1), EPS)
    return U, Wp


def bernstein_weights(F, rate, n_fft, degree, f_lo=50.0, f_hi=16000.0):
    f = np.arange(F) * rate / n_fft
    x = np.clip(np.log(np.maximum(f, f_lo) / f_lo) / np.log(f_hi / f_lo), 0, 1)
    return np.stack([comb(degree, j) * x ** j * (1 - x) ** (degree - j) for j in range(degree + 1)], 1)


def expand_basis(W, col, rate, n_fft, degree):
    if degree == 0:
        return W, col
    G = bernstein_weights(W.shape[0], rate, n_fft, degree)
    cols, src = [], []
    for k in range(W.shape[1]):
        for j in range(degree + 1):
            cols.append(W[:, k] * G[:, j])
            src.append(col[k])
    We = np.stack(cols, 1)
    return We / We.sum(0, keepdims=True), np.array(src)


def source_magnitudes(ctx, beta=2.0, p=1, degree=0, scale_init=True, iters=ITER):
    W, col = expand_basis(ctx.W, ctx.col, ctx.rate, ctx.settings["n_fft"], degree)
    U, Wp = nmf_beta(np.abs(ctx.Y), W, beta, p, iters, 0, scale_init)
    comps = [(Wp[:, col == s] @ U[col == s]) for s in range(ctx.n)]   # power (p=2) or magnitude
    return np.stack([c ** (1.0 / p) for c in comps])


def masks_from(M, alpha):
    return qm._safe_ratio(np.maximum(M, 0) ** alpha)


# ------------------------------------------------------------------ phase
def partial_frequencies(w, floor_db=-80.0):
    """Interpolated peak positions (in bins) of a magnitude template."""
    w = np.maximum(w, EPS)
    lw = np.log(w)
    thr = np.log(w.max()) + floor_db / 20 * np.log(10)
    i = np.flatnonzero((lw[1:-1] > lw[:-2]) & (lw[1:-1] >= lw[2:]) & (lw[1:-1] > thr)) + 1
    a, b, c = lw[i - 1], lw[i], lw[i + 1]
    den = a - 2 * b + c
    delta = np.where(np.abs(den) > EPS, 0.5 * (a - c) / np.where(np.abs(den) > EPS, den, 1), 0)
    return i + np.clip(delta, -0.5, 0.5)


def bin_frequencies(w, max_dist=3.0):
    """nu(f): frequency (bins) of the template partial nearest to bin f (within max_dist bins);
    elsewhere the bin centre f."""
    F = w.shape[0]
    f = np.arange(F, dtype=float)
    peaks = partial_frequencies(w)
    if peaks.size == 0:
        return f
    j = np.clip(np.searchsorted(peaks, f), 1, peaks.size - 1) if peaks.size > 1 else np.zeros(F, int)
    cand = np.stack([peaks[np.maximum(j - 1, 0)], peaks[j]])
    best = cand[np.argmin(np.abs(cand - f), 0), np.arange(F)]
    return np.where(np.abs(best - f) <= max_dist, best, f)


def source_templates(ctx):
    return np.stack([ctx.W[:, ctx.col == s].sum(1) for s in range(ctx.n)], 1)


def phase_aware(ctx, A, inner=0, weight="power", nu=None):
    """Per-frame phase-aware, mixture-consistent reconstruction (see module doc)."""
    Y = ctx.Y
    S, F, T = A.shape
    hop, n_fft = ctx.settings["hop_length"], ctx.settings["n_fft"]
    if nu is None:
        tmpl = source_templates(ctx)
        nu = np.stack([bin_frequencies(tmpl[:, s]) for s in range(S)])     # [S, F]
    adv = np.exp(2j * np.pi * nu * hop / n_fft)
    X = np.zeros((S, F, T), complex)
    ang_y = np.exp(1j * np.angle(Y))
    for t in range(T):
        a = A[:, :, t]
        if weight == "power":
            w = qm._safe_ratio(a ** 2)
        else:
            w = qm._safe_ratio(a)
        if t == 0:
            ph = np.repeat(ang_y[None, :, 0], S, 0)
        else:
            prev = X[:, :, t - 1]
            ph = np.where(np.abs(prev) > 0, prev / np.maximum(np.abs(prev), EPS), ang_y[None, :, t]) * adv
        P = a * ph
        for _ in range(inner):
            E = Y[:, t] - P.sum(0)
            Q = P + w * E
            P = a * np.exp(1j * np.angle(Q))
        X[:, :, t] = P + w * (Y[:, t] - P.sum(0))
    return X


def misi(ctx, A, X0, iters=20, weight="power", inner_weight="uniform"):
    """inner_weight: how the mixture error is shared inside the iterations ('uniform' = E/S as in
    MISI; 'power' = A_s^2/sum A^2, the Wiener share)."""
    S = A.shape[0]
    w = qm._safe_ratio(A ** 2) if weight == "power" else np.full(A.shape, 1.0 / S)
    wi = w if inner_weight == "power" else np.full(A.shape, 1.0 / S)
    X = X0.copy()
    for _ in range(iters):
        C = np.stack([qm.stft(qm.istft(X[s], ctx.settings, ctx.length), ctx.settings) for s in range(S)])
        E = ctx.Y - C.sum(0)
        X = A * np.exp(1j * np.angle(C + wi * E))
    C = np.stack([qm.stft(qm.istft(X[s], ctx.settings, ctx.length), ctx.settings) for s in range(S)])
    return C + w * (ctx.Y - C.sum(0))


# ------------------------------------------------------------------ method registry
METHODS = {}


def reg(name):
    def deco(f):
        METHODS[name] = f
        return f
    return deco


@reg("baseline")
def _baseline(ctx):
    U = qm.nmf_activations_euclid(np.abs(ctx.Y), ctx.W, ITER, 0)
    parts = np.stack([ctx.W[:, ctx.col == s] @ U[ctx.col == s] for s in range(ctx.n)])
    return list(qm._safe_ratio(parts) * ctx.Y)


def make_mask_method(beta, p, alpha, degree=0, scale_init=True):
    def f(ctx):
        M = source_magnitudes(ctx, beta, p, degree, scale_init)
        return list(masks_from(M, alpha) * ctx.Y)
    return f


for beta in (2.0, 1.0, 0.5, 0.0):
    for p in (1, 2):
        for alpha in (1.0, 2.0):
            for degree in (0, 1, 2):
                METHODS[f"b{beta:g}_p{p}_a{alpha:g}_d{degree}"] = make_mask_method(beta, p, alpha, degree)
METHODS["b2_p1_a1_d0_noscale"] = make_mask_method(2.0, 1, 1.0, 0, False)


def oracle_mag(ctx):
    return np.stack([np.abs(r) for r in ctx.refs_stft])


@reg("oracle_ratio")
def _oracle_ratio(ctx):
    return list(masks_from(oracle_mag(ctx), 1) * ctx.Y)


@reg("oracle_wiener")
def _oracle_wiener(ctx):
    return list(masks_from(oracle_mag(ctx), 2) * ctx.Y)


@reg("oracle_mag_pa")
def _oracle_pa(ctx):
    return list(phase_aware(ctx, oracle_mag(ctx)))


@reg("oracle_mag_pa_in5")
def _oracle_pa5(ctx):
    return list(phase_aware(ctx, oracle_mag(ctx), inner=5))


@reg("oracle_mag_misi")
def _oracle_misi(ctx):
    A = oracle_mag(ctx)
    return list(misi(ctx, A, masks_from(A, 2) * ctx.Y))


# ------------------------------------------------------------------ phase-aware on estimates
def parse_cfg(cfg):
    """'b1_p2_d0' -> (beta, p, degree)."""
    d = {t[0]: t[1:] for t in cfg.split("_")}
    return float(d["b"]), int(d["p"]), int(d["d"])


def make_pa(cfg, mag="model", alpha=2.0, inner=5, post_misi=0):
    """Phase-aware reconstruction from estimated magnitudes.
    mag = 'model': A_s = model magnitudes M_s; 'masked': A_s = |mask_alpha(M) Y|."""
    beta, p, degree = parse_cfg(cfg)

    def f(ctx):
        M = source_magnitudes(ctx, beta, p, degree)
        A = M if mag == "model" else np.abs(masks_from(M, alpha) * ctx.Y)
        X = phase_aware(ctx, A, inner=inner)
        if post_misi:
            X = misi(ctx, A, X, iters=post_misi)
        return list(X)
    return f


def make_misi(cfg, mag="masked", alpha=2.0, iters=10):
    beta, p, degree = parse_cfg(cfg)

    def f(ctx):
        M = source_magnitudes(ctx, beta, p, degree)
        X0 = masks_from(M, alpha) * ctx.Y
        A = M if mag == "model" else np.abs(X0)
        return list(misi(ctx, A, X0, iters=iters))
    return f


for cfg in ("b2_p1_d0", "b1_p2_d0", "b0.5_p2_d0", "b1_p1_d0"):
    for mag in ("model", "masked"):
        for inner in (0, 5):
            METHODS[f"pa_{cfg}_{mag}_in{inner}"] = make_pa(cfg, mag, 2.0, inner)
        METHODS[f"misi10_{cfg}_{mag}"] = make_misi(cfg, mag, 2.0, 10)
        METHODS[f"misi10_{cfg}_{mag}_a1"] = make_misi(cfg, mag, 1.0, 10)


def make_misi2(cfg, alpha=2.0, iters=10, inner_weight="uniform", init="mask"):
    """MISI on masked magnitudes A_s = |mask_alpha Y|; init 'mask' (X0 = mask Y) or 'pa'
    (X0 = phase_aware(A, inner=5))."""
    beta, p, degree = parse_cfg(cfg)

    def f(ctx):
        M = source_magnitudes(ctx, beta, p, degree)
        X0 = masks_from(M, alpha) * ctx.Y
        A = np.abs(X0)
        if init == "pa":
            X0 = phase_aware(ctx, A, inner=5)
        return list(misi(ctx, A, X0, iters=iters, inner_weight=inner_weight))
    return f


for cfg in ("b0.5_p2_d0", "b2_p1_d0"):
    for it in (5, 20, 50):
        METHODS[f"misi{it}_{cfg}_masked"] = make_misi2(cfg, 2.0, it)
    METHODS[f"misi20w_{cfg}_masked"] = make_misi2(cfg, 2.0, 20, "power")
    METHODS[f"misi20pa_{cfg}_masked"] = make_misi2(cfg, 2.0, 20, "uniform", "pa")
    METHODS[f"misi20_{cfg}_masked_a1"] = make_misi2(cfg, 1.0, 20)


# ------------------------------------------------------------------ phase-predicted complex fit
def pu_complex_fit(ctx, stack_magnitude=True, inner=5, output="pa_model", alpha=2.0, mag_weight=1.0):
    """Per-frame Complex NMF with PREDICTED phases (phase unwrapping at the template partials):
      psi_s(f,t) = angle(X_s(f,t-1)) + 2 pi nu_s(f) hop / n_fft       (t = 0: angle Y)
      B_t[:, s]  = w_s * exp(i psi_s)                                 (w_s: the note template)
      U_t = argmin_{U>=0} ||Y_t - B_t U||^2 (+ mag_weight * || |Y_t| - W U ||^2 if stack_magnitude)
    solved exactly (scipy nnls, S unknowns per frame). Then A_s = w_s U_s and
      output 'pa_model' : X = phase_aware step with A (inner projections, Wiener share of the error)
      output 'mask'     : X = (A^alpha / sum A^alpha) Y
      output 'pa_masked': phase_aware step with |mask Y|.
    One basis column per source assumed (cpf = 1)."""
    from scipy.optimize import nnls
    Y = ctx.Y
    F, T = Y.shape
    W = source_templates(ctx)
    S = W.shape[1]
    hop, n_fft = ctx.settings["hop_length"], ctx.settings["n_fft"]
    nu = np.stack([bin_frequencies(W[:, s]) for s in range(S)])
    adv = np.exp(2j * np.pi * nu * hop / n_fft)
    angY = np.exp(1j * np.angle(Y))
    X = np.zeros((S, F, T), complex)
    A_all = np.zeros((S, F, T))
    scale = np.sqrt(mag_weight)
    for t in range(T):
        if t == 0:
            ph = np.repeat(angY[None, :, 0], S, 0)
        else:
            prev = X[:, :, t - 1]
            ph = np.where(np.abs(prev) > 0, prev / np.maximum(np.abs(prev), EPS), angY[None, :, t]) * adv
        B = W * ph.T                                          # [F, S]
        rows = [B.real, B.imag]
        rhs = [Y[:, t].real, Y[:, t].imag]
        if stack_magnitude:
            rows.append(scale * W)
            rhs.append(scale * np.abs(Y[:, t]))
        u, _ = nnls(np.vstack(rows), np.concatenate(rhs))
        A = (W * u).T                                         # [S, F]
        A_all[:, :, t] = A
        if output == "mask":
            X[:, :, t] = qm._safe_ratio(A[:, :, None] ** alpha)[:, :, 0] * Y[None, :, t]
            continue
        if output == "pa_masked":
            A = qm._safe_ratio(A[:, :, None] ** alpha)[:, :, 0] * np.abs(Y[None, :, t])
        w = qm._safe_ratio(A[:, :, None] ** 2)[:, :, 0]
        P = A * ph
        for _ in range(inner):
            P = A * np.exp(1j * np.angle(P + w * (Y[:, t] - P.sum(0))))
        X[:, :, t] = P + w * (Y[:, t] - P.sum(0))
    return X


for sm in (False, True):
    for out in ("pa_model", "mask", "pa_masked"):
        METHODS[f"pucf_{'cm' if sm else 'c'}_{out}"] = (lambda sm, out: lambda ctx: list(pu_complex_fit(ctx, sm, 5, out)))(sm, out)


# ------------------------------------------------------------------ multi-column bases (round 2)
# A method name "NAME@SPEC" runs method NAME with the basis SPEC (see common.learn_basis_spec):
# cnmf:kl:N (cnmf basis --components-per-file N), np:BETA:P:N (numpy rank-N beta-NMF on |X|^P of
# the note), seg:E1,... (time-segment means, e.g. attack 0-100 ms + rest). Source estimate = sum
# over that note's columns (ctx.col), every back end unchanged.
BASIS_SPECS = ["cnmf:kl:2", "cnmf:kl:3", "cnmf:kl:4", "cnmf:is:2", "cnmf:beta0.5:2",
               "np:1:1:2", "np:1:2:2", "np:1:2:3", "np:0.5:2:2", "np:0.5:2:3", "np:0.5:2:4",
               "seg:100", "seg:100,400", "seg:50", "cnmf:kl:1"]


def with_basis(f, spec):
    def g(ctx):
        return f(ctx)
    g.basis = spec
    return g


_BASE_NAMES = ["baseline", "b0.5_p2_a2_d0", "misi5_b0.5_p2_d0_masked", "b1_p2_a2_d0", "b0_p2_a2_d0",
               "b1_p2_a1_d0", "b1_p1_a1_d0"]
for _spec in BASIS_SPECS:
    for _name in _BASE_NAMES:
        METHODS[f"{_name}@{_spec}"] = with_basis(METHODS[_name], _spec)


for _a in (1.0, 1.5):
    for _it in (5, 20):
        METHODS[f"misi{_it}_b0.5_p2_d0_masked_a{_a:g}"] = make_misi2("b0.5_p2_d0", _a, _it)
    METHODS[f"b0.5_p2_a{_a:g}_d0"] = make_mask_method(0.5, 2, _a, 0)
METHODS["misi20_b0.5_p2_d0_masked_a2"] = make_misi2("b0.5_p2_d0", 2.0, 20)
METHODS["misi5_b1_p2_d0_masked"] = make_misi2("b1_p2_d0", 2.0, 5)


# ------------------------------------------------------------------ consistent Wiener filtering
def consistent_wiener(ctx, Pw, gamma_rel=1.0, iters=20):
    """Consistent Wiener filtering (Le Roux & Vincent 2013), own derivation/implementation:
    minimise  sum_j sum_ft |S_j|^2 / v_j  +  gamma * sum_j ||S_j - P(S_j)||^2   s.t.  sum_j S_j = Y,
    P = STFT(ISTFT(.)) (orthogonal projection on consistent STFTs for librosa's LS-ISTFT), v_j the
    model source powers. Eliminating S_J = Y - sum_{j<J} S_j gives a Hermitian positive definite
    system  [H S]_j = S_j/v_j + (sum_k S_k)/v_J + gamma (Q S_j + Q sum_k S_k),  Q = I - P,
    rhs_j = Y/v_J + gamma Q Y, solved by conjugate gradient from the Wiener solution (gamma = 0 is
    exactly Wiener). gamma = gamma_rel / mean(v) makes the weight scale-free."""
    J = Pw.shape[0]
    v = np.maximum(Pw, EPS * max(Pw.max(), EPS)) + 1e-10 * Pw.mean()
    gamma = gamma_rel / np.mean(v)
    Y = ctx.Y

    def Q(X):
        return X - qm.stft(qm.istft(X, ctx.settings, ctx.length), ctx.settings)

    def H(S):
        tot = S.sum(0)
        Qt = Q(tot)
        return np.stack([S[j] / v[j] + tot / v[-1] + gamma * (Q(S[j]) + Qt) for j in range(J - 1)])

    QY = Q(Y)
    b = np.stack([Y / v[-1] + gamma * QY for _ in range(J - 1)])
    S = (masks_from(np.sqrt(Pw), 2) * Y)[:-1]
    # preconditioned CG, Jacobi-type preconditioner diag(1/v_j + 1/v_J + gamma) (the 1/v spread
    # over bins makes plain CG stall at the Wiener start point)
    Minv = 1.0 / (1.0 / v[:-1] + 1.0 / v[-1] + gamma)
    r = b - H(S)
    z = Minv * r
    p = z.copy()
    rz = np.vdot(r, z).real
    for _ in range(iters):
        Hp = H(p)
        a = rz / max(np.vdot(p, Hp).real, 1e-300)
        S = S + a * p
        r = r - a * Hp
        z = Minv * r
        rz_new = np.vdot(r, z).real
        p = z + (rz_new / max(rz, 1e-300)) * p
        rz = rz_new
    return np.concatenate([S, (Y - S.sum(0))[None]])


def make_cw(gamma_rel, iters=20, beta=0.5, p=2):
    def f(ctx):
        M = source_magnitudes(ctx, beta, p, 0)
        return list(consistent_wiener(ctx, M ** 2, gamma_rel, iters))
    return f


for _g in (0.01, 0.1, 1.0, 10.0):
    METHODS[f"cw{_g:g}_b0.5_p2"] = make_cw(_g)


# ------------------------------------------------------------------ consistent Wiener: chunked (round 3)
def _local_window(settings):
    import librosa
    n_fft, hop = settings["n_fft"], settings["hop_length"]
    win = librosa.filters.get_window(settings["window"], n_fft, fftbins=True)
    if n_fft % hop:
        raise ValueError("local OLA needs hop | n_fft")
    return win, n_fft // hop


def local_project(X, start, settings, length=None):
    """P = STFT(ISTFT(X)) on the frame range [start, start + L) only (X [..., F, L]), i.e. what a
    streaming implementation can compute: least-squares ISTFT of the L frames (overlap-add of
    window * irfft, divided by the LOCAL window-square sum of those L frames; samples where it is
    ~0 are set to 0), then STFT of the same (L-1)*hop + n_fft samples back to the same L frames.
    Frames near the range edges see incomplete overlap-add, so their projection differs from the
    global one (that is what the margin is for). If length is given, samples outside the signal
    [0, length) (centre padding of librosa, start frame t at sample t*hop - n_fft/2) are set to 0,
    as the global ISTFT/STFT pair does; with start = 0 and L = all frames this is exactly the
    global qm.stft(qm.istft(.)) (checked numerically)."""
    win, R = _local_window(settings)
    n_fft, hop = settings["n_fft"], settings["hop_length"]
    L = X.shape[-1]
    fr = np.fft.irfft(X, n=n_fft, axis=-2) * win[:, None]              # [..., n_fft, L]
    fr = np.swapaxes(fr, -1, -2)                                       # [..., L, n_fft]
    buf = np.zeros(X.shape[:-2] + (L + R - 1, hop))
    wss = np.zeros((L + R - 1, hop))
    w2 = (win ** 2).reshape(R, hop)
    for k in range(R):
        buf[..., k:k + L, :] += fr[..., k * hop:(k + 1) * hop]
        wss[k:k + L, :] += w2[k]
    ok = wss > np.finfo(float).tiny
    if length is not None:
        s = (start + np.arange(L + R - 1))[:, None] * hop + np.arange(hop)[None, :] - n_fft // 2
        ok &= (s >= 0) & (s < length)
    buf = np.where(ok, buf / np.where(ok, wss, 1.0), 0.0)
    fr2 = np.concatenate([buf[..., k:k + L, :] for k in range(R)], axis=-1) * win   # [..., L, n_fft]
    return np.swapaxes(np.fft.rfft(fr2, axis=-1), -1, -2)


def _cw_problem(Y, Pw, gamma_rel, proj, gamma_mean=None):
    """Builds the consistent-Wiener system of `consistent_wiener` on one frame range.
    proj(X) = consistent projection of X (same frame range). gamma_mean: mean(v) used for gamma
    (None = mean over this range). Returns (H, b, S0, Minv, v)."""
    J = Pw.shape[0]
    v = np.maximum(Pw, EPS * max(Pw.max(), EPS)) + 1e-10 * Pw.mean()
    gamma = gamma_rel / (np.mean(v) if gamma_mean is None else gamma_mean)

    def Q(X):
        return X - proj(X)

    def H(S):
        tot = S.sum(0)
        Qall = Q(np.concatenate([S, tot[None]]))        # one batched projection of J arrays
        return S / v[:-1] + tot / v[-1] + gamma * (Qall[:-1] + Qall[-1])

    b = np.repeat((Y / v[-1] + gamma * Q(Y))[None], J - 1, 0)
    S0 = (masks_from(np.sqrt(Pw), 2) * Y)[:-1]
    Minv = 1.0 / (1.0 / v[:-1] + 1.0 / v[-1] + gamma)
    return H, b, S0, Minv


def _pcg(problems, iters, joint=False):
    """Preconditioned CG (as in consistent_wiener) on a list of independent problems.
    joint=False: one CG per problem (chunk-local inner products, the streaming case);
    joint=True: ONE CG on their direct sum (inner products summed over all problems)."""
    n = len(problems)
    S = [p[2].copy() for p in problems]
    r = [p[1] - p[0](s) for p, s in zip(problems, S)]
    z = [p[3] * ri for p, ri in zip(problems, r)]
    d = [zi.copy() for zi in z]

    def ip(a, b):
        vals = np.array([np.vdot(x, y).real for x, y in zip(a, b)])
        return np.full(n, vals.sum()) if joint else vals

    rz = ip(r, z)
    for _ in range(iters):
        Hd = [p[0](di) for p, di in zip(problems, d)]
        a = rz / np.maximum(ip(d, Hd), 1e-300)
        S = [s + ai * di for s, ai, di in zip(S, a, d)]
        r = [ri - ai * hi for ri, ai, hi in zip(r, a, Hd)]
        z = [p[3] * ri for p, ri in zip(problems, r)]
        rz_new = ip(r, z)
        bet = rz_new / np.maximum(rz, 1e-300)
        d = [zi + bi * di for zi, bi, di in zip(z, bet, d)]
        rz = rz_new
    return S


def consistent_wiener_chunked(ctx, Pw, gamma_rel=10.0, iters=10, chunk=64, margin=8,
                              joint_ip=False, gamma_scope="chunk", clip_signal=True):
    """Streaming version of consistent_wiener. The frame axis is cut on a FIXED absolute grid
    [c*chunk, (c+1)*chunk); chunk c is solved on the extended range [c*chunk - margin,
    (c+1)*chunk + margin) (clipped to the signal) with the true mixture frames and model powers
    there, Wiener start, local projection (local_project: local LS-ISTFT + STFT of that range),
    `iters` PCG iterations; only the chunk's own frames are kept. Outputs sum to Y exactly.
      joint_ip     False: every chunk has its own CG (chunk-local inner products, streaming);
                   True: one CG over the direct sum of all chunk problems (global inner products,
                   same per-chunk operators) - isolates the effect of local step sizes.
      gamma_scope  'chunk': gamma = gamma_rel / mean(v over the extended range) (streaming);
                   'global': mean(v) over the whole signal (as consistent_wiener).
      clip_signal  zero samples outside [0, length) in the local ISTFT (as the global pair does)."""
    J, F, T = Pw.shape
    vglob = np.maximum(Pw, EPS * max(Pw.max(), EPS)) + 1e-10 * Pw.mean()
    gmean = float(np.mean(vglob)) if gamma_scope == "global" else None
    length = ctx.length if clip_signal else None
    probs, spans = [], []
    for c0 in range(0, T, chunk):
        c1 = min(c0 + chunk, T)
        a, b = max(0, c0 - margin), min(T, c1 + margin)
        proj = (lambda a: lambda X: local_project(X, a, ctx.settings, length))(a)
        probs.append(_cw_problem(ctx.Y[:, a:b], Pw[:, :, a:b], gamma_rel, proj, gmean))
        spans.append((a, c0, c1))
    sols = _pcg(probs, iters, joint=joint_ip)
    S = np.zeros((J - 1, F, T), complex)
    for (a, c0, c1), s in zip(spans, sols):
        S[:, :, c0:c1] = s[:, :, c0 - a:c1 - a]
    return np.concatenate([S, (ctx.Y - S.sum(0))[None]])


_MAG_MEMO = {}


def _memo_magnitudes(ctx, beta=0.5, p=2):
    """source_magnitudes(ctx, beta, p, 0), memoised on (Y, W, col) (same NMF for every cw variant)."""
    import hashlib
    h = hashlib.sha1()
    for a in (ctx.Y, ctx.W, ctx.col):
        h.update(np.ascontiguousarray(a).tobytes())
    key = (h.hexdigest(), beta, p)
    if key not in _MAG_MEMO:
        if len(_MAG_MEMO) > 8:
            _MAG_MEMO.clear()
        _MAG_MEMO[key] = source_magnitudes(ctx, beta, p, 0)
    return _MAG_MEMO[key]


def make_cw3(gamma_rel, iters, chunk=None, margin=0, joint_ip=False, gamma_scope="chunk"):
    def f(ctx):
        M = _memo_magnitudes(ctx)
        if chunk is None:
            return list(consistent_wiener(ctx, M ** 2, gamma_rel, iters))
        return list(consistent_wiener_chunked(ctx, M ** 2, gamma_rel, iters, chunk, margin,
                                              joint_ip, gamma_scope))
    return f


# names: cw10_iI_b0.5_p2 (global solve, I iterations); cw10_iI_cC_mM_b0.5_p2 (chunked, chunk-local
# CG and gamma); suffix _gip = joint CG (global inner products), _gg = gamma from the global mean(v).
for _it in (1, 2, 3, 5, 10, 20, 40, 80):
    METHODS[f"cw10_i{_it}_b0.5_p2"] = make_cw3(10.0, _it)
    for _c in (16, 32, 64, 128):
        for _m in (0, 2, 4, 8):
            METHODS[f"cw10_i{_it}_c{_c}_m{_m}_b0.5_p2"] = make_cw3(10.0, _it, _c, _m)
            METHODS[f"cw10_i{_it}_c{_c}_m{_m}_gip_b0.5_p2"] = make_cw3(10.0, _it, _c, _m, True)
            METHODS[f"cw10_i{_it}_c{_c}_m{_m}_gg_b0.5_p2"] = make_cw3(10.0, _it, _c, _m, False, "global")
            METHODS[f"cw10_i{_it}_c{_c}_m{_m}_gip_gg_b0.5_p2"] = make_cw3(10.0, _it, _c, _m, True, "global")


class _Registry(dict):
    """Any 'NAME@SPEC' with NAME registered resolves on demand (so new bases need no code)."""
    def __missing__(self, key):
        if "@" not in key:
            raise KeyError(key)
        name, spec = key.split("@", 1)
        self[key] = with_basis(self[name], spec)
        return self[key]


METHODS = _Registry(METHODS)
