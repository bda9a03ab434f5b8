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
    def __init__(self, root, name, components_per_file=1):
        self.root, self.name = root, name
        folder = os.path.join(root, "mixtures", name)
        with open(os.path.join(folder, "labels.json")) as f:
            meta = json.load(f)
        self.labels = [s["label"] for s in meta["sources"]]
        self.mixture, self.rate = read_audio(os.path.join(folder, meta.get("mixture", "mixture.wav")))
        self.refs = [read_audio(os.path.join(folder, s["file"]))[0] for s in meta["sources"]]
        notes = [os.path.join(root, s["note_file"]) for s in meta["sources"]]
        self.n = len(self.labels)
        self.basis, self.settings = learn_basis(notes, self.labels, components_per_file)
        self.col = np.array([j // components_per_file for j in range(self.basis.shape[1])])


def learn_basis(notes, labels, cpf):
    """`cnmf basis` exactly as evaluate_quality.py calls it (symlinks named by label, so stems
    never collide); cached by the note paths."""
    key = hashlib.sha1(json.dumps([notes, labels, cpf]).encode()).hexdigest()[:16]
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
                        "--iterations", "200", "--divergence", "kl", "--n-fft", "2048", "--hop", "512",
                        "--overwrite", "-q"], check=True)
    with open(os.path.join(work, "basis.json")) as f:
        side = json.load(f)
    settings = {k: side[k] for k in ("n_fft", "hop_length", "window", "center")}
    return np.load(path).astype(np.float64), settings


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
    key = (root, name)
    if key not in _CASES:
        _CASES[key] = Case(root, name)
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
    for root, name in sorted({(j[0], j[1]) for j in todo}):
        Case(root, name)
    if todo:
        with Pool(processes) as pool:
            for root, name, mname, res in pool.imap_unordered(
                    _job, [(r, c, m, methods_module) for r, c, m in todo]):
                cache[(root, name, mname)] = res
                print(f"  done {name:<20} {mname:<28} SDR {np.mean(res['sdr']):6.2f}", flush=True)
                with open(cache_file, "w") as f:
                    json.dump({"|".join(k): v for k, v in cache.items()}, f)
    return {j: cache[j] for j in jobs}
