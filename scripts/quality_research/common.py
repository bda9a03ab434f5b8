"""Shared plumbing for the quality research prototypes (scripts/quality_research/).

* Case: one mixture folder of a fixture tree (Fixtures/ or the held-out tree made by
  render_heldout.py): mixture, reference sources, note files, and the basis learned with the
  SAME recipe as scripts/evaluate_quality.py (`cnmf basis ... --components-per-file 1
  --iterations 200 --divergence kl --n-fft 2048 --hop 512`, run once and cached under /tmp).
* STFT settings are read from the basis sidecar; STFT/ISTFT/metrics come from
  scripts/quality_metrics.py (librosa, mir_eval BSS Eval v3, per channel then mean for stereo),
  so numbers are directly comparable with evaluate_quality.py.
* A method is a function f(ctx) -> list of per-source STFTs for ONE channel (complex arrays
  [bins, frames]) or ('time', list of per-source signals). ctx holds Y (complex mixture STFT
  of that channel), W (basis [bins, K]), col (basis column -> source), n (sources), settings,
  rate, length, and refs_stft (true source STFTs; only oracle methods may read it).
* Everything is deterministic (fixed seeds); results are cached in a JSON file keyed by
  (tree, case, method) so that adding a method only computes that method.
"""
import hashlib
import json
import os
import subprocess
import sys
from multiprocessing import Pool

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts"))
import quality_metrics as qm  # noqa: E402

CNMF = os.path.join(REPO, ".build", "release", "cnmf")
if os.path.exists("/tmp/cnmf-research"):   # frozen copy (others rebuild .build while we run)
    CNMF = "/tmp/cnmf-research"
DEFAULT_BASIS = "cnmf:kl:1"
CACHE_DIR = "/tmp/quality_research_cache"
FIXTURE_CASES = ["piano_chord", "piano_melody", "piano_octave", "piano_flute", "stereo_44k"]
HELDOUT_ROOT = "/tmp/heldout"
HELDOUT_CASES = ["organ_chord", "clarinet_melody", "guitar_octave", "cello_violin_fifth",
                 "piano_amaj_vel80", "brass_reed_44k"]


def read_audio(path):
    import soundfile as sf
    data, rate = sf.read(path, dtype="float64", always_2d=False)
    return data, rate


class Case:
    def __init__(self, root, name, components_per_file=1, basis_spec=None):
        self.root, self.name = root, name
        folder = os.path.join(root, "mixtures", name)
        with open(os.path.join(folder, "labels.json")) as f:
            meta = json.load(f)
        self.labels = [s["label"] for s in meta["sources"]]
        self.mixture, self.rate = read_audio(os.path.join(folder, meta.get("mixture", "mixture.wav")))
        self.refs = [read_audio(os.path.join(folder, s["file"]))[0] for s in meta["sources"]]
        notes = [os.path.join(root, s["note_file"]) for s in meta["sources"]]
        self.n = len(self.labels)
        self.notes = notes
        if basis_spec is None or basis_spec == DEFAULT_BASIS:
            self.basis, self.settings = learn_basis(notes, self.labels, components_per_file)
            self.col = np.array([j // components_per_file for j in range(self.basis.shape[1])])
        else:
            self.basis, self.settings, self.col = learn_basis_spec(notes, self.labels, basis_spec)


def learn_basis(notes, labels, cpf, divergence="kl"):
    """`cnmf basis` exactly as evaluate_quality.py calls it (symlinks named by label, so stems
    never collide); cached by the note paths."""
    key_obj = [notes, labels, cpf] if divergence == "kl" else [notes, labels, cpf, divergence]
    key = hashlib.sha1(json.dumps(key_obj).encode()).hexdigest()[:16]
    work = os.path.join(CACHE_DIR, "basis", key)
    path = os.path.join(work, "basis.npy")
    if not os.path.exists(path):
        os.makedirs(os.path.join(work, "notes"), exist_ok=True)
        linked = []
        for label, note in zip(labels, notes):
            link = os.path.join(work, "notes", label + os.path.splitext(note)[1])
            if not os.path.lexists(link):
                os.symlink(os.path.abspath(note), link)
            linked.append(link)
        subprocess.run([CNMF, "basis", *linked, "-o", path, "--components-per-file", str(cpf),
                        "--iterations", "200", "--divergence", divergence, "--n-fft", "2048", "--hop", "512",
                        "--overwrite", "-q"], check=True)
    with open(os.path.join(work, "basis.json")) as f:
        side = json.load(f)
    settings = {k: side[k] for k in ("n_fft", "hop_length", "window", "center")}
    return np.load(path).astype(np.float64), settings


def learn_basis_spec(notes, labels, spec):
    """Basis variants for the multi-column study (returns basis [F, K], settings, col):
      cnmf:DIV:N      `cnmf basis --components-per-file N --divergence DIV` (DIV kl/is/euclid/beta0.5)
      np:BETA:P:N     numpy rank-N NMF (W and H updated, 200 it., seed 0) of the note's |X|^P with the
                      beta-divergence; columns stored as magnitude templates (power^(1/P)), unit sum
      cat:S1+S2       union of the columns of bases S1 and S2 (per note)
      seg:E1,E2,...   time-segment means of the note's magnitude spectrogram: column j = mean |X| over
                      frames [E_{j-1}, E_j) in ms (E_0 = 0, last segment runs to the end), unit sum
                      (e.g. seg:100 = attack (first 100 ms) + rest)
    Settings = those of the default cnmf basis (n_fft 2048, hop 512, hann, center)."""
    _, settings = learn_basis(notes, labels, 1)
    if spec.startswith("cat:"):      # cat:SPEC1+SPEC2: union of the columns of both bases, per note
        parts = [learn_basis_spec(notes, labels, p) for p in spec[4:].split("+")]
        cols, src = [], []
        for s in range(len(notes)):
            for W, _, col in parts:
                cols.append(W[:, col == s])
                src += [s] * int((col == s).sum())
        return np.concatenate(cols, 1), settings, np.array(src)
    kind, *args = spec.split(":")
    if kind == "cnmf":
        div, n = args[0], int(args[1])
        W, settings = learn_basis(notes, labels, n, div)
        return W, settings, np.array([j // n for j in range(W.shape[1])])
    key = hashlib.sha1(json.dumps([notes, labels, spec]).encode()).hexdigest()[:16]
    path = os.path.join(CACHE_DIR, "basis_np", key + ".npz")
    if os.path.exists(path):
        z = np.load(path)
        return z["W"], settings, z["col"]
    cols, src = [], []
    for s, note in enumerate(notes):
        x, rate = read_audio(note)
        if x.ndim > 1:
            x = x.mean(1)
        X = np.abs(qm.stft(x, settings))
        if kind == "np":
            beta, p, n = float(args[0]), float(args[1]), int(args[2])
            Wn = note_nmf(X ** p, n, beta) ** (1.0 / p)
        elif kind == "seg":
            edges = [0] + [int(round(float(e) / 1000 * rate / settings["hop_length"])) for e in args[0].split(",")] \
                + [X.shape[1]]
            Wn = np.stack([X[:, a:b].mean(1) for a, b in zip(edges[:-1], edges[1:]) if b > a], 1)
        else:
            raise KeyError(spec)
        Wn = Wn / np.maximum(Wn.sum(0, keepdims=True), 1e-12)
        cols.append(Wn)
        src += [s] * Wn.shape[1]
    W, col = np.concatenate(cols, 1), np.array(src)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.savez(path, W=W, col=col)
    return W, settings, col


def note_nmf(V, n, beta, iters=200, seed=0):
    """Rank-n beta-NMF V ~ W H (both updated, multiplicative), W columns unit-sum at the end.
    Init: column k of W = mean spectrum * (1 + 0.5 |N(0,1)|) so that columns start near the note
    spectrum (a purely random init wastes columns on noise bins); H = |N(0,1)| scaled."""
    eps = 1e-12
    rng = np.random.default_rng(seed)
    F, T = V.shape
    m = V.mean(1, keepdims=True) + eps
    W = m * (1 + 0.5 * np.abs(rng.standard_normal((F, n))))
    H = np.abs(rng.standard_normal((n, T))) + 0.1
    H *= V.sum() / max((W @ H).sum(), eps)
    for _ in range(iters):
        L = np.maximum(W @ H, eps)
        H *= (W.T @ (V * L ** (beta - 2))) / np.maximum(W.T @ L ** (beta - 1), eps)
        L = np.maximum(W @ H, eps)
        W *= ((V * L ** (beta - 2)) @ H.T) / np.maximum(L ** (beta - 1) @ H.T, eps)
        sc = np.maximum(W.sum(0, keepdims=True), eps)
        W /= sc
        H *= sc.T
    return W


class Ctx:
    pass


def run_method(case, method):
    """Applies method channel by channel; returns per-source signals shaped like the mixture."""
    mix = qm.as_channels(case.mixture)
    refs = [qm.as_channels(r) for r in case.refs]
    outs = np.zeros((case.n, mix.shape[0], mix.shape[1]))
    for c in range(mix.shape[0]):
        ctx = Ctx()
        ctx.Y = qm.stft(mix[c], case.settings)
        ctx.W, ctx.col, ctx.n, ctx.settings = case.basis, case.col, case.n, case.settings
        ctx.rate, ctx.length = case.rate, mix.shape[1]
        ctx.refs_stft = [qm.stft(r[c], case.settings) for r in refs]
        res = method(ctx)
        if isinstance(res, tuple) and res[0] == "time":
            for k in range(case.n):
                outs[k, c] = res[1][k]
        else:
            for k in range(case.n):
                outs[k, c] = qm.istft(res[k], case.settings, ctx.length)
    return [qm.from_channels(o, case.mixture) for o in outs]


_CASES = {}


def _job(args):
    root, name, mname, methods_module = args
    import importlib
    mod = importlib.import_module(methods_module)
    spec = getattr(mod.METHODS[mname], "basis", DEFAULT_BASIS)
    key = (root, name, spec)
    if key not in _CASES:
        _CASES[key] = Case(root, name, basis_spec=spec)
    case = _CASES[key]
    est = run_method(case, mod.METHODS[mname])
    m = qm.evaluate(case.refs, est)
    return root, name, mname, {k: m[k] for k in ("sdr", "sir", "sar", "si_sdr")}


def evaluate_all(jobs, cache_file, methods_module="methods", processes=2, force=()):
    """jobs: list of (root, case, method). Returns {(root, case, method): metrics} using the cache."""
    cache = {}
    if os.path.exists(cache_file):
        with open(cache_file) as f:
            cache = {tuple(k.split("|")): v for k, v in json.load(f).items()}
    todo = [j for j in jobs if j not in cache or j[2] in force]
    # learn bases in the parent first (cnmf calls must not race)
    import importlib
    mod = importlib.import_module(methods_module)
    for root, name, spec in sorted({(j[0], j[1], getattr(mod.METHODS[j[2]], "basis", DEFAULT_BASIS))
                                    for j in todo}):
        Case(root, name, basis_spec=spec)
    if todo:
        with Pool(processes) as pool:
            for root, name, mname, res in pool.imap_unordered(
                    _job, [(r, c, m, methods_module) for r, c, m in todo]):
                cache[(root, name, mname)] = res
                print(f"  done {name:<20} {mname:<28} SDR {np.mean(res['sdr']):6.2f}", flush=True)
                with open(cache_file, "w") as f:
                    json.dump({"|".join(k): v for k, v in cache.items()}, f)
    return {j: cache[j] for j in jobs}
