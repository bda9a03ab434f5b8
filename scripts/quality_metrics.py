"""Numpy helpers for scripts/evaluate_quality.py: metrics, the independent NMF+Wiener baseline
and the oracle masks. Written from the equations, independently of the Swift code.

Conventions
  * Signals are float64 arrays shaped [samples] (mono) or [samples, channels], as soundfile reads them.
  * STFTs use librosa.stft/istft with the settings of the basis sidecar (basis.json): n_fft,
    hop_length, window, center. istft is always called with length= the input length.
  * Multichannel signals are processed channel by channel (same basis, same parameters), which
    is what `cnmf separate` does without --mono.

Metrics
  * BSS Eval: mir_eval.separation.bss_eval_sources(refs, ests, compute_permutation=False)
    (v3 definitions: 512-tap time-invariant distortion filter). Multichannel: evaluated per
    channel, then the per-source SDR/SIR/SAR are averaged over channels (in dB). Alternatively
    bss_eval_images on [src, samples, channels] (SDR, SIR, SAR; its ISR is kept as extra field).
  * SI-SDR (no mean removal):  alpha = <s_hat, s> / <s, s>,
        SI-SDR = 10 log10( ||alpha s||^2 / ||alpha s - s_hat||^2 )
    per channel, then averaged over channels (in dB).
"""
import warnings

import numpy as np

EPS = 1e-12


def as_channels(x):
    """[samples] or [samples, channels] -> [channels, samples]."""
    x = np.asarray(x, dtype=np.float64)
    return x[None, :] if x.ndim == 1 else x.T


def from_channels(x, like):
    """[channels, samples] -> the layout of `like` ([samples] or [samples, channels])."""
    return x[0] if np.asarray(like).ndim == 1 else x.T


# --------------------------------------------------------------------------- metrics

def si_sdr(reference, estimate):
    """Scale-invariant SDR in dB of one channel (no zero-mean step)."""
    s = np.asarray(reference, dtype=np.float64)
    e = np.asarray(estimate, dtype=np.float64)
    alpha = np.dot(e, s) / max(np.dot(s, s), EPS)
    target = alpha * s
    noise = target - e
    return 10 * np.log10(max(np.dot(target, target), EPS) / max(np.dot(noise, noise), EPS))


def _dither_silent(estimates, rng_seed=0):
    """mir_eval rejects all-zero estimates; replace them with -300 dBFS deterministic noise
    (the metrics of that source are then those of 'no estimate'). Returns (array, silent mask)."""
    estimates = np.array(estimates, dtype=np.float64, copy=True)
    silent = np.all(estimates.reshape(estimates.shape[0], -1) == 0, axis=1)
    if silent.any():
        rng = np.random.default_rng(rng_seed)
        for i in np.flatnonzero(silent):
            estimates[i] = 1e-15 * rng.standard_normal(estimates[i].shape)
    return estimates, silent


def evaluate(references, estimates, stereo_metric="channels"):
    """references, estimates: lists (one per source) of [samples] or [samples, channels].
    Returns dict of per-source lists: sdr, sir, sar, si_sdr (and isr with images),
    plus 'silent_estimates' (labels indices whose estimate was all zeros)."""
    import mir_eval

    refs = np.stack([as_channels(r) for r in references])      # [src, ch, samples]
    ests = np.stack([as_channels(e) for e in estimates])
    if refs.shape != ests.shape:
        raise ValueError(f"shape mismatch: references {refs.shape}, estimates {ests.shape}")
    ests, silent = _dither_silent(ests)
    n_src, n_ch, _ = refs.shape
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # bss_eval_sources is marked deprecated in mir_eval 0.8
        if n_ch == 1 or stereo_metric == "channels":
            sdr = np.zeros((n_src, n_ch)); sir = np.zeros_like(sdr); sar = np.zeros_like(sdr)
            for c in range(n_ch):
                sdr[:, c], sir[:, c], sar[:, c], _ = mir_eval.separation.bss_eval_sources(
                    refs[:, c, :], ests[:, c, :], compute_permutation=False)
            out.update(sdr=sdr.mean(1), sir=sir.mean(1), sar=sar.mean(1))
        elif stereo_metric == "images":
            sdr, isr, sir, sar, _ = mir_eval.separation.bss_eval_images(
                np.transpose(refs, (0, 2, 1)), np.transpose(ests, (0, 2, 1)), compute_permutation=False)
            out.update(sdr=np.asarray(sdr, float), sir=np.asarray(sir, float),
                       sar=np.asarray(sar, float), isr=np.asarray(isr, float))
        else:
            raise ValueError(f"unknown stereo metric {stereo_metric!r}")
    out["si_sdr"] = np.array([np.mean([si_sdr(refs[i, c], ests[i, c]) for c in range(n_ch)])
                              for i in range(n_src)])
    out = {k: [float(v) for v in vals] for k, vals in out.items()}
    out["silent_estimates"] = [int(i) for i in np.flatnonzero(silent)]
    return out


# --------------------------------------------------------------------------- STFT helpers

def stft(y, settings):
    import librosa
    return librosa.stft(np.asarray(y, dtype=np.float64), n_fft=settings["n_fft"],
                        hop_length=settings["hop_length"], window=settings["window"],
                        center=settings["center"])


def istft(spec, settings, length):
    import librosa
    return librosa.istft(spec, hop_length=settings["hop_length"], n_fft=settings["n_fft"],
                         window=settings["window"], center=settings["center"], length=length)


def apply_masks(mixture, masks_fn, settings, n_out):
    """Channel by channel: Y = STFT(mixture[c]); masks = masks_fn(Y, c) -> [n_out, bins, frames];
    returns n_out signals shaped like `mixture`."""
    mix = as_channels(mixture)
    length = mix.shape[1]
    outs = np.zeros((n_out, mix.shape[0], length))
    for c in range(mix.shape[0]):
        Y = stft(mix[c], settings)
        masks = masks_fn(Y, c)
        for k in range(n_out):
            outs[k, c] = istft(masks[k] * Y, settings, length)
    return [from_channels(o, mixture) for o in outs]


def _safe_ratio(parts):
    """parts [n, bins, frames] >= 0 -> parts / sum(parts); where the sum is 0, equal shares 1/n
    (so the masks always sum to one and the estimates sum to the mixture)."""
    total = parts.sum(0)
    zero = total <= 0
    masks = parts / np.where(zero, 1.0, total)
    masks[:, zero] = 1.0 / parts.shape[0]
    return masks


# --------------------------------------------------------------------------- baseline

def nmf_activations_euclid(V, H, iterations=100, seed=0):
    """Euclidean multiplicative updates of the activations only (Lee & Seung):
    U <- U * (H^T V) / (H^T H U). U0 = |N(0,1)| from numpy default_rng(seed). float64."""
    rng = np.random.default_rng(seed)
    U = np.abs(rng.standard_normal((H.shape[1], V.shape[1])))
    HtV = H.T @ V
    HtH = H.T @ H
    for _ in range(iterations):
        U *= HtV / np.maximum(HtH @ U, EPS)
    return U


def baseline_nmf_wiener(mixture, basis, column_source, n_sources, settings, iterations=100, seed=0):
    """Independent NMF + Wiener-like masking baseline.
    Per channel: V = |STFT(y)|, U from nmf_activations_euclid (basis fixed), per-source mask
    M_s = sum_{k in s} H_k U_k / sum_k H_k U_k, estimate_s = istft(M_s * Y, length=len(y))."""
    H = np.asarray(basis, dtype=np.float64)
    col = np.asarray(column_source)

    def masks(Y, channel):
        U = nmf_activations_euclid(np.abs(Y), H, iterations, seed)
        parts = np.stack([H[:, col == s] @ U[col == s] for s in range(n_sources)])
        return _safe_ratio(parts)

    return apply_masks(mixture, masks, settings, n_sources)


# --------------------------------------------------------------------------- oracles

def oracle_masks(mixture, sources, settings, power):
    """Oracle masks |S_k|^power / sum_j |S_j|^power from the true source STFTs, applied to the
    mixture STFT (power 1: ratio mask, power 2: Wiener)."""
    srcs = [as_channels(s) for s in sources]

    def masks(Y, channel):
        mags = np.stack([np.abs(stft(s[channel], settings)) ** power for s in srcs])
        return _safe_ratio(mags)

    return apply_masks(mixture, masks, settings, len(sources))
