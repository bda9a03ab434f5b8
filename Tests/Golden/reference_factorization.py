"""Independent float64 reference for the supervised factorizations of ComplexNMF.

This module is the *independent implementation* that the Swift code is checked
against.  It is written directly from the update equations, one line per
equation where possible, in plain numpy.  Speed and cleverness are not goals.
Only the golden-file generator ``make_factorization_golden.py`` uses it.

Notation (same as in the Swift sources)
---------------------------------------
    Y   complex spectrogram, shape [F, T]   (F bins, T frames)
    V   magnitude spectrogram |Y| (or any non-negative real input), [F, T]
    H   basis, shape [F, K], FIXED: read, never modified
    U   activations, shape [K, T], >= 0 (the only thing NMF updates)
    P   phases, shape [K, F, T], complex, |P| = 1 (Complex NMF only)

Constants
---------
    EPS              = 1e-12  the single guard constant of the NMF updates/costs
    ACTIVATION_FLOOR = 1e-30  Complex NMF: U <- max(U, floor) after every update;
                              returned activations <= floor are reported as 0
    THR_MIN_ITERATIONS = 20   ``thr`` may only stop the loop from iteration 20 on

Cost arrays
-----------
``cost[i]`` is the cost of the iterate obtained *after* update number i+1, so
``len(cost)`` equals the number of iterations that were run.  No cost of the
initial iterate is recorded.

Stopping rules (shared by NMF and Complex NMF), tested after every update,
iteration numbers n = 1, 2, ... (n = number of updates done so far):
    * ``iterations``: hard maximum number of updates.
    * ``thr``: stop after update n if n >= 20 and cost[n-1] < thr.
    * ``tol``: stop after update n if n >= 2 and
      (cost[n-2] - cost[n-1]) / cost[n-2] < tol   (relative decrease over one
      iteration; the cost of the initial iterate is NOT used, so the first
      possible tol stop is after update 2).  A cost increase (negative decrease)
      also stops.  If cost[n-2] == 0 the tol rule stops.
Both rules may be given; the loop stops as soon as either fires.
"""

from __future__ import annotations

import numpy as np

EPS = 1e-12
ACTIVATION_FLOOR = 1e-30
THR_MIN_ITERATIONS = 20

NMF_DIVERGENCES = ("euclid", "kl", "is")


# --------------------------------------------------------------------------
# Stopping rules
# --------------------------------------------------------------------------

def should_stop(costs, thr=None, tol=None):
    """Return (stop, reason) after the latest update, given all costs so far.

    ``costs`` is the list of recorded costs (cost after update 1, 2, ..., n).
    ``reason`` is "thr", "tol" or None.
    """
    n = len(costs)
    if thr is not None and n >= THR_MIN_ITERATIONS and costs[-1] < thr:
        return True, "thr"
    if tol is not None and n >= 2:
        prev, cur = costs[-2], costs[-1]
        if prev == 0.0:
            return True, "tol"
        if (prev - cur) / prev < tol:
            return True, "tol"
    return False, None


# --------------------------------------------------------------------------
# NMF on magnitudes, fixed basis
# --------------------------------------------------------------------------

def nmf_cost(V, H, U, divergence):
    """Cost of the model Lambda = H U against V.

    euclid: 1/2 * ||V - H U||_F^2
    kl    : sum V*log((V+EPS)/(Lambda+EPS)) - V + Lambda,
            with the V*log(...) term taken as 0 where V == 0
    is    : sum (V+EPS)/(Lambda+EPS) - log((V+EPS)/(Lambda+EPS)) - 1
    """
    Lam = H @ U
    if divergence == "euclid":
        D = V - Lam
        return 0.5 * float(np.sum(D * D))
    if divergence == "kl":
        ratio = (V + EPS) / (Lam + EPS)
        vlog = np.zeros_like(V)
        nz = V != 0
        vlog[nz] = V[nz] * np.log(ratio[nz])
        return float(np.sum(vlog - V + Lam))
    if divergence == "is":
        ratio = (V + EPS) / (Lam + EPS)
        return float(np.sum(ratio - np.log(ratio) - 1.0))
    raise ValueError(f"unknown divergence {divergence!r}")


def nmf_update(V, H, U, divergence):
    """One multiplicative update of U (H fixed); returns the new U.

    euclid: U <- U * (H^T V) / (H^T H U + EPS)
    kl    : Lambda = H U
            U <- U * (H^T (V / (Lambda + EPS))) / (H^T 1 + EPS)
            (1 is the all-ones [F, T] matrix, so H^T 1 holds column sums of H)
    is    : Lambda = H U
            U <- U * (H^T (V * (Lambda+EPS)^-2)) / (H^T (Lambda+EPS)^-1 + EPS)
    """
    Ht = H.T
    if divergence == "euclid":
        return U * (Ht @ V) / (Ht @ H @ U + EPS)
    if divergence == "kl":
        Lam = H @ U
        ones = np.ones_like(V)
        return U * (Ht @ (V / (Lam + EPS))) / (Ht @ ones + EPS)
    if divergence == "is":
        Lam = H @ U
        return U * (Ht @ (V * (Lam + EPS) ** -2)) / (Ht @ (Lam + EPS) ** -1 + EPS)
    raise ValueError(f"unknown divergence {divergence!r}")


def nmf(V, H, U0, divergence, iterations, thr=None, tol=None):
    """Supervised NMF: only U is updated, H stays fixed.

    V is a non-negative real [F, T] array (use |Y| for a complex input).
    Returns a dict with
        activations    U, [K, T] float64
        reconstruction H U, [F, T] float64
        cost           [iterations_run] float64 (cost after each update)
        iterations     number of updates run
        stop_reason    "max", "thr" or "tol"
    """
    if divergence not in NMF_DIVERGENCES:
        raise ValueError(f"unknown divergence {divergence!r}")
    V = np.asarray(V, dtype=np.float64)
    H = np.asarray(H, dtype=np.float64)
    U = np.array(U0, dtype=np.float64)  # copy
    costs = []
    reason = "max"
    for _ in range(iterations):
        U = nmf_update(V, H, U, divergence)
        costs.append(nmf_cost(V, H, U, divergence))
        stop, why = should_stop(costs, thr, tol)
        if stop:
            reason = why
            break
    return {
        "activations": U,
        "reconstruction": H @ U,
        "cost": np.array(costs, dtype=np.float64),
        "iterations": len(costs),
        "stop_reason": reason,
    }


# --------------------------------------------------------------------------
# Complex NMF (Kameoka et al. 2009), fixed basis
# --------------------------------------------------------------------------

def default_lambda(Y, p):
    """Default sparsity weight: lambda = 1e-5 * sum|Y|^2 / F^(1 - p/2)."""
    Y = np.asarray(Y)
    F = Y.shape[0]
    energy = float(np.sum(np.abs(Y.astype(np.complex128)) ** 2))
    return 1e-5 * energy / F ** (1.0 - p / 2.0)


def initial_phases(Y, K):
    """P[k, f, t] = Y[f, t] / |Y[f, t]| for every k; 1 (phase 0) where |Y| = 0."""
    Y = np.asarray(Y)
    mag = np.abs(Y)
    unit = np.ones_like(Y)
    nz = mag > 0
    unit[nz] = Y[nz] / mag[nz]
    return np.repeat(unit[None, :, :], K, axis=0)


def component_products(H, U):
    """HU[k, f, t] = H[f, k] * U[k, t] (per-component magnitudes)."""
    return H.T[:, :, None] * U[:, None, :]


def cnmf_model(H, U, P):
    """Fm[f, t] = sum_k H[f, k] U[k, t] P[k, f, t]."""
    return np.sum(component_products(H, U) * P, axis=0)


def cnmf_cost(Y, H, U, P, lam, p):
    """J = sum_{f,t} |Y - Fm|^2 + 2 lambda sum_{k,t} U^p, evaluated in float64."""
    Y = np.asarray(Y, dtype=np.complex128)
    H = np.asarray(H, dtype=np.float64)
    U = np.asarray(U, dtype=np.float64)
    P = np.asarray(P, dtype=np.complex128)
    R = Y - cnmf_model(H, U, P)
    return float(np.sum(R.real ** 2 + R.imag ** 2) + 2.0 * lam * np.sum(U ** p))


def cnmf_update_literal(Y, H, U, P, lam, p):
    """One Complex NMF update written literally with beta; returns (U_new, P_new).

    All quantities come from the current (U, P):
        S[f,t]      = sum_k H[f,k] U[k,t]
        Fm[f,t]     = sum_k H[f,k] U[k,t] P[k,f,t]
        R           = Y - Fm
        beta[k,f,t] = H[f,k] U[k,t] / S[f,t]
        Xbar        = H U P + beta R
        P          <- Xbar / |Xbar|
        U[k,t]     <- sum_f H[f,k] |Xbar|/beta
                      / ( sum_f H[f,k]^2/beta + lambda p U_old[k,t]^(p-2) )
        U          <- max(U, ACTIVATION_FLOOR)

    Guards for the 0/0 cases (each entry (k, f, t) falls in exactly one class):
      * S[f,t] == 0 ("empty bin"): beta := 0, the entry contributes nothing to
        either U sum, and P[k,f,t] is left unchanged.
      * S[f,t] > 0 but beta == 0, i.e. H[f,k] U[k,t] == 0 ("limit entry"):
        |Xbar|/beta and H^2/beta are replaced by their limits (see the identity
        below): |Xbar|/beta -> |S P + R| and H^2/beta -> H S / U, and
        P <- (S P + R)/|S P + R| (unchanged if |S P + R| == 0).  With U >= floor
        > 0 this only happens for H[f,k] == 0, so both limit terms are 0.
      * beta > 0 ("regular entry"): the literal expressions; P is left
        unchanged where |Xbar| == 0.
      * If the U denominator is 0 (e.g. an all-zero basis column with
        lambda == 0) then U_new := ACTIVATION_FLOOR.

    Identity used for the limits (and by the factored form): since
    H U = beta S,
        Xbar = H U P + beta R = beta (S P + R),
    hence, for beta > 0,
        |Xbar| / beta = |S P + R|,      Xbar/|Xbar| = (S P + R)/|S P + R|,
        H^2 / beta   = H^2 S / (H U) = H S / U.

    Works in the dtype of the inputs (float64/complex128 for the reference;
    float32/complex64 when the caller casts everything down).
    """
    rdt = H.dtype
    HU = component_products(H, U)                   # [K, F, T]
    S = np.sum(HU, axis=0)                          # [F, T]
    Fm = np.sum(HU * P, axis=0)                     # [F, T]
    R = Y - Fm                                      # [F, T]

    Sk = np.broadcast_to(S[None, :, :], HU.shape)
    empty = Sk == 0                                 # S == 0
    beta = np.zeros_like(HU)
    np.divide(HU, Sk, out=beta, where=~empty)       # beta = HU / S
    regular = beta > 0
    limit = (~empty) & (~regular)                   # S > 0, HU == 0

    Xbar = HU * P + beta * R[None, :, :]            # H U P + beta R
    absX = np.abs(Xbar)

    Hk = np.broadcast_to(H.T[:, :, None], HU.shape)  # H[f, k] as [K, F, T]
    Uk = np.broadcast_to(U[:, None, :], HU.shape)    # U[k, t] as [K, F, T]

    num_terms = np.zeros_like(HU)                   # H |Xbar| / beta
    den_terms = np.zeros_like(HU)                   # H^2 / beta
    # regular entries: literal form
    num_terms[regular] = Hk[regular] * absX[regular] / beta[regular]
    den_terms[regular] = Hk[regular] ** 2 / beta[regular]
    # limit entries: |Xbar|/beta -> |S P + R|, H^2/beta -> H S / U
    Z = Sk * P + R[None, :, :]                      # S P + R
    absZ = np.abs(Z)
    num_terms[limit] = Hk[limit] * absZ[limit]
    lim_u_pos = limit & (Uk > 0)
    den_terms[lim_u_pos] = Hk[lim_u_pos] * Sk[lim_u_pos] / Uk[lim_u_pos]
    # (U == 0 cannot occur after the floor; it would make H S / U infinite
    #  unless H == 0, so it is only guarded, not given a value.)

    # phases
    P_new = P.copy()
    upd = regular & (absX > 0)
    P_new[upd] = Xbar[upd] / absX[upd]
    upd_lim = limit & (absZ > 0)
    P_new[upd_lim] = Z[upd_lim] / absZ[upd_lim]

    # activations
    num = np.sum(num_terms, axis=1)                 # [K, T]
    den = np.sum(den_terms, axis=1) + rdt.type(lam) * p * U ** (p - 2.0)
    U_new = np.full_like(U, ACTIVATION_FLOOR)
    ok = den != 0
    U_new[ok] = num[ok] / den[ok]
    U_new = np.maximum(U_new, rdt.type(ACTIVATION_FLOOR))
    return U_new, P_new


def cnmf_update_factored(Y, H, U, P, lam, p):
    """The same update in algebraically factored form; returns (U_new, P_new).

    Per bin (f, t) and component k, with S = sum_k H U and R = Y - Fm:
        z_k  = S P_k + R
        P_k <- z_k / |z_k|            (unchanged if |z_k| == 0 or S == 0)
        U_k <- U_k * sum_f H[f,k] |z_k| / ( sum_f H[f,k] S[f] + lambda p U_k^(p-1) )
        U   <- max(U, ACTIVATION_FLOOR);  denominator 0 -> ACTIVATION_FLOOR.

    Equivalence with the literal form: Xbar = H U P + beta R = beta (S P + R)
    = beta z because H U = beta S.  For beta > 0:
        |Xbar|/beta = |z|,  H^2/beta = H S / U,  Xbar/|Xbar| = z/|z|,
    so the literal U update equals
        sum_f H |z| / ( sum_f H S / U + lambda p U^(p-2) )
      = U sum_f H |z| / ( sum_f H S + lambda p U^(p-1) ).
    Entries with S == 0 are masked (they contribute nothing, P unchanged), as in
    the literal form; entries with H U == 0 < S use exactly the limit terms of
    the literal form, so both forms agree there too.
    """
    rdt = H.dtype
    HU = component_products(H, U)
    S = np.sum(HU, axis=0)
    Fm = np.sum(HU * P, axis=0)
    R = Y - Fm
    Z = S[None, :, :] * P + R[None, :, :]           # z_k = S P_k + R
    absZ = np.abs(Z)
    live = np.broadcast_to((S > 0)[None, :, :], HU.shape)

    P_new = P.copy()
    upd = live & (absZ > 0)
    P_new[upd] = Z[upd] / absZ[upd]

    Hk = H.T[:, :, None]
    num = np.sum(np.where(live, Hk * absZ, 0), axis=1)          # sum_f H |z|
    den = np.sum(np.where(live, Hk * S[None, :, :], 0), axis=1)  # sum_f H S
    den = den + rdt.type(lam) * p * U ** (p - 1.0)
    U_new = np.full_like(U, ACTIVATION_FLOOR)
    ok = den != 0
    U_new[ok] = U[ok] * num[ok] / den[ok]
    U_new = np.maximum(U_new, rdt.type(ACTIVATION_FLOOR))
    return U_new, P_new


def complex_nmf(Y, H, U0, iterations, p=1.2, lam=None, P0=None, thr=None,
                tol=None, form="literal", dtype="float64", callback=None):
    """Supervised Complex NMF (H fixed).

    Y [F, T] complex, H [F, K] >= 0, U0 [K, T] >= 0.
    p     sparsity exponent (default 1.2)
    lam   sparsity weight; None -> default_lambda(Y, p)
    P0    initial phases [K, F, T]; None -> initial_phases(Y, K)
    form  "literal" (cnmf_update_literal) or "factored" (cnmf_update_factored)
    dtype "float64" (reference) or "float32" (everything cast to
          float32/complex64 during the iteration; used to study rounding)
    callback(n, U, P) is called after each update (optional).

    U0 is floored at entry (U0 <- max(U0, ACTIVATION_FLOOR)), so U > 0 always;
    for strictly positive U0 this changes nothing.  The cost J is evaluated in
    float64 on the current iterate.

    Numerical note.  If all P_k start equal (the default P0), exact arithmetic
    keeps them equal forever (z_k = S P_k + R does not depend on k) and the run
    is magnitude NMF with a sparsity term.  That state is a saddle of J: near
    it a differential phase perturbation is multiplied by S/|Y| per update in
    each bin.  The literal form rounds differently for each k and therefore
    leaves the saddle in floating point; the factored form does not.  In
    float32 the literal form can also produce NaN: at U = floor, Xbar is
    subnormal and Xbar/|Xbar| overflows (1/|Xbar| > FLT_MAX).

    Returns a dict with
        activations     U, values <= ACTIVATION_FLOOR reported as exactly 0
        activations_raw U as iterated (floored, never 0)
        phases          P [K, F, T]
        reconstruction  Fm = sum_k H U P (from the iterated U) [F, T]
        cost            [iterations_run]
        iterations, stop_reason, lam, p
    """
    if dtype == "float64":
        rdt, cdt = np.float64, np.complex128
    elif dtype == "float32":
        rdt, cdt = np.float32, np.complex64
    else:
        raise ValueError(dtype)
    update = {"literal": cnmf_update_literal,
              "factored": cnmf_update_factored}[form]

    Y64 = np.asarray(Y).astype(np.complex128)
    H64 = np.asarray(H).astype(np.float64)
    if lam is None:
        lam = default_lambda(Y64, p)
    K = H64.shape[1]
    if P0 is None:
        P0 = initial_phases(Y64, K)

    Yw = Y64.astype(cdt)
    Hw = H64.astype(rdt)
    U = np.maximum(np.asarray(U0).astype(rdt), rdt(ACTIVATION_FLOOR))
    P = np.asarray(P0).astype(cdt)

    costs = []
    reason = "max"
    for n in range(1, iterations + 1):
        U, P = update(Yw, Hw, U, P, lam, p)
        costs.append(cnmf_cost(Y64, H64, U, P, lam, p))
        if callback is not None:
            callback(n, U, P)
        stop, why = should_stop(costs, thr, tol)
        if stop:
            reason = why
            break

    U_report = np.where(U <= ACTIVATION_FLOOR, 0.0, U.astype(np.float64))
    return {
        "activations": U_report,
        "activations_raw": U.astype(np.float64),
        "phases": P.astype(np.complex128),
        "reconstruction": cnmf_model(H64, U.astype(np.float64),
                                     P.astype(np.complex128)),
        "cost": np.array(costs, dtype=np.float64),
        "iterations": len(costs),
        "stop_reason": reason,
        "lam": float(lam),
        "p": float(p),
    }


def complex_nmf_factored(Y, H, U0, iterations, **kwargs):
    """complex_nmf with the algebraically factored update (cross-check form)."""
    return complex_nmf(Y, H, U0, iterations, form="factored", **kwargs)
