#!/usr/bin/env python3
"""Separation-quality harness for `cnmf` on the rendered fixtures (Fixtures/mixtures/*).

Usage
    python3 scripts/evaluate_quality.py [--cnmf .build/release/cnmf] [--cases piano_chord ...]
        [--methods cnmf-consistent nmf-mask ...] [--json out.json]
        [--custom 'NAME=--method complex-nmf --sparsity-p 0.8' ...]
Needs numpy, soundfile, librosa, mir_eval (helpers in scripts/quality_metrics.py).

Procedure, per case (everything is seeded; two runs print identical numbers)
  1. Basis: `cnmf basis NOTE... -o WORK/<case>/basis/basis.npy --components-per-file N
     --iterations 200 --divergence kl --n-fft 2048 --hop 512` (N = 6, as `cnmf basis`; all settable)
     with the note files of labels.json, in the order of its "sources"
     (NOTE = Fixtures/<note_file>). Basis column j belongs to source j // N (the order
     of the files passed, never the label text: labels are file stems and may collide or differ
     from the source labels, e.g. piano_flute). If two note files share a stem, they are passed
     as symlinks named <source label>.wav so that the output files do not collide. The same basis
     is used by every method of the case.
  2. Methods (keys for --methods):
       default, cnmf-* `cnmf separate MIX --basis B -o DIR <args> --iterations 100 --seed 0
                        --float --overwrite -q` ("default": no other arguments); outputs
                        DIR/<label>.wav per note file (its N columns summed by cnmf). (--float: 32-bit outputs, so PCM16 rounding and
                        clipping do not enter the numbers; --pcm16 evaluates 16-bit outputs.)
       nmf-*mask       same with --method nmf (mask components).
       baseline-nmf-wiener  independent numpy implementation (quality_metrics.py): librosa.stft
                        with the sidecar settings, Euclidean multiplicative updates of the
                        activations only (100 iterations, U0 = |N(0,1)|, numpy default_rng(0)),
                        masks sum_{k in s} H_k U_k / sum_k H_k U_k on the complex mixture STFT,
                        librosa.istft(length=). This is the reference of the "dSDR" columns.
       baseline-nmf-wiener-rank1  the same on the basis of step 1 made with N = 1 (one column
                        per note, the setting of the predecessor's measurements).
       oracle-ratio-mask    |S_k| / sum_j |S_j| from the true source STFTs, on the mixture.
       oracle-wiener        |S_k|^2 / sum_j |S_j|^2.
     Multichannel input: every method works channel by channel with the same basis.
     A method that fails is skipped with one line saying why; the others go on.
  3. Metrics per source: SDR/SIR/SAR from mir_eval.separation.bss_eval_sources(refs, ests,
     compute_permutation=False); stereo: per channel, then averaged over channels (in dB)
     (--stereo-metric images uses bss_eval_images instead). SI-SDR without mean removal:
     alpha = <s_hat,s>/<s,s>, SI-SDR = 10 log10(||alpha s||^2 / ||alpha s - s_hat||^2), per
     channel then averaged. Table values are means over the sources of the case.
  4. Checks on the cnmf outputs: max |sum of all component WAVs - mixture| and
     max |sum - reconstruction.wav| (consistent and mask components should sum to the mixture,
     model components to reconstruction.wav).

Options worth knowing: --custom NAME=ARGS adds a cnmf separate variant (e.g. a lambda sweep),
--components-per-file 1 evaluates one column per note, --fixtures DIR evaluates another fixture tree with
the same layout, --workdir DIR keeps all intermediate outputs. The default run (5 cases x 12
methods) takes about 1 minute on 2 idle cores, mostly mir_eval's BSS Eval.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quality_metrics as qm  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "Fixtures")   # --fixtures replaces it
DEFAULT_CASES = ["piano_chord", "piano_melody", "piano_octave", "piano_flute", "stereo_44k"]
BASELINE = "baseline-nmf-wiener"

# name -> (cnmf separate arguments, expected sum of the components: "mixture" | "reconstruction")
CNMF_METHODS = {
    "default": ([], "mixture"),  # `cnmf separate` with its defaults (β = ½ NMF on power, consistent Wiener filtering)
    "cnmf-consistent": (["--method", "complex-nmf", "--components", "consistent"], "mixture"),
    "cnmf-model": (["--method", "complex-nmf", "--components", "model"], "reconstruction"),
    "cnmf-consistent-lambda0": (["--method", "complex-nmf", "--components", "consistent", "--lambda", "0"], "mixture"),
    "cnmf-model-lambda0": (["--method", "complex-nmf", "--components", "model", "--lambda", "0"], "reconstruction"),
    "cnmf-jitter": (["--method", "complex-nmf", "--components", "consistent", "--phase-jitter", "0.5"], "mixture"),
    "cnmf-jitter-model": (["--method", "complex-nmf", "--components", "model", "--phase-jitter", "0.5"], "reconstruction"),
    "nmf-mask": (["--method", "nmf", "--divergence", "euclid"], "mixture"),
    "nmf-kl-mask": (["--method", "nmf", "--divergence", "kl"], "mixture"),
    "nmf-is-mask": (["--method", "nmf", "--divergence", "is"], "mixture"),
}
BASELINE_RANK1 = "baseline-nmf-wiener-rank1"
PY_METHODS = [BASELINE, BASELINE_RANK1, "oracle-ratio-mask", "oracle-wiener"]
DEFAULT_METHODS = list(CNMF_METHODS) + PY_METHODS


def read_audio(path):
    import soundfile as sf
    data, rate = sf.read(path, dtype="float64", always_2d=False)
    return data, rate


def run(command):
    """Runs a command; returns (ok, message)."""
    try:
        proc = subprocess.run(command, capture_output=True, text=True)
    except OSError as error:
        return False, str(error)
    if proc.returncode != 0:
        lines = [l for l in (proc.stderr or proc.stdout).strip().splitlines() if l.strip()]
        first = next((l for l in lines if "error" in l.lower()), lines[0] if lines else "")
        return False, f"exit {proc.returncode}: {first.strip()[:300]}"
    return True, ""


class Case:
    def __init__(self, name, workdir):
        self.name = name
        self.folder = os.path.join(FIXTURES, "mixtures", name)
        with open(os.path.join(self.folder, "labels.json")) as f:
            self.meta = json.load(f)
        self.labels = [s["label"] for s in self.meta["sources"]]
        self.mixture_path = os.path.join(self.folder, self.meta.get("mixture", "mixture.wav"))
        self.mixture, self.rate = read_audio(self.mixture_path)
        self.references = [read_audio(os.path.join(self.folder, s["file"]))[0] for s in self.meta["sources"]]
        self.note_files = [os.path.join(FIXTURES, s["note_file"]) for s in self.meta["sources"]]
        self.work = os.path.join(workdir, name)
        os.makedirs(self.work, exist_ok=True)

    def learn_basis(self, args):
        notes = list(self.note_files)
        stems = [os.path.splitext(os.path.basename(p))[0] for p in notes]
        if len(set(stems)) != len(stems):
            link_dir = os.path.join(self.work, "notes")
            os.makedirs(link_dir, exist_ok=True)
            linked = []
            for label, path in zip(self.labels, notes):
                link = os.path.join(link_dir, label + os.path.splitext(path)[1])
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink(path, link)
                linked.append(link)
            print(f"  note: note file stems collide ({', '.join(stems)}); passing them as "
                  f"{', '.join(os.path.basename(l) for l in linked)}")
            notes = linked
        basis_dir = os.path.join(self.work, "basis")
        os.makedirs(basis_dir, exist_ok=True)
        self.basis_path = os.path.join(basis_dir, "basis.npy")
        command = [args.cnmf, "basis", *notes, "-o", self.basis_path,
                   "--components-per-file", str(args.components_per_file),
                   "--iterations", str(args.basis_iterations), "--divergence", args.basis_divergence,
                   "--n-fft", str(args.n_fft), "--hop", str(args.hop),
                   "--overwrite", "-q"]
        ok, message = run(command)
        if not ok:
            raise RuntimeError(f"cnmf basis failed: {message}")
        with open(os.path.join(basis_dir, "basis.json")) as f:
            self.sidecar = json.load(f)
        self.basis = np.load(self.basis_path).astype(np.float64)
        n = args.components_per_file
        columns = self.basis.shape[1]
        if columns != n * len(self.labels) or len(self.sidecar["labels"]) != columns:
            raise RuntimeError(f"basis has {columns} columns / {len(self.sidecar['labels'])} labels, "
                               f"expected {n} x {len(self.labels)} sources")
        self.column_source = [j // n for j in range(columns)]
        self.column_labels = list(self.sidecar["labels"])
        self.settings = {k: self.sidecar[k] for k in ("n_fft", "hop_length", "window", "center")}
        if self.sidecar["sample_rate"] != self.rate:
            raise RuntimeError(f"basis rate {self.sidecar['sample_rate']} != mixture rate {self.rate}")
        self.basis_command = command

    # ---- methods
    def run_cnmf(self, name, method_args, args):
        out = os.path.join(self.work, name)
        command = [args.cnmf, "separate", self.mixture_path, "--basis", self.basis_path, "-o", out,
                   *method_args, "--iterations", str(args.iterations), "--seed", str(args.seed),
                   *([] if args.pcm16 else ["--float"]), "--overwrite", "-q"]
        ok, message = run(command)
        if not ok:
            raise RuntimeError(message)
        # One output per note file: its first column's label (`cnmf separate` sums a note's
        # columns C4, C4#2, … into C4.wav).
        n = args.components_per_file
        columns = []
        for label in self.column_labels[::n]:
            path = os.path.join(out, label + ".wav")
            if not os.path.exists(path):
                raise RuntimeError(f"missing output {path}")
            data, rate = read_audio(path)
            if data.shape != self.mixture.shape or rate != self.rate:
                raise RuntimeError(f"{label}.wav has shape {data.shape} at {rate} Hz, "
                                   f"mixture {self.mixture.shape} at {self.rate} Hz")
            columns.append(data)
        estimates = columns
        total = sum(columns)
        reconstruction, _ = read_audio(os.path.join(out, "reconstruction.wav"))
        checks = {"max_abs_sum_minus_mixture": float(np.max(np.abs(total - self.mixture))),
                  "max_abs_sum_minus_reconstruction": float(np.max(np.abs(total - reconstruction))),
                  "mixture_peak": float(np.max(np.abs(self.mixture)))}
        with open(os.path.join(out, "report.json")) as f:
            report = json.load(f)
        checks["lambda"] = report.get("parameters", {}).get("lambda")
        return estimates, checks, command

    def rank1_basis(self, args):
        """The basis command of step 1 with --components-per-file 1, as float64 [bins x sources]."""
        command = list(self.basis_command)
        command[command.index("--components-per-file") + 1] = "1"
        path = os.path.join(self.work, "basis_rank1", "basis.npy")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        command[command.index("-o") + 1] = path
        ok, message = run(command)
        if not ok:
            raise RuntimeError(f"cnmf basis (rank 1) failed: {message}")
        return np.load(path).astype(np.float64)

    def run_python(self, name, args):
        n = len(self.labels)
        if name == BASELINE:
            return qm.baseline_nmf_wiener(self.mixture, self.basis, self.column_source, n, self.settings,
                                          iterations=args.iterations, seed=args.seed)
        if name == BASELINE_RANK1:
            # The same baseline on a one-column-per-note basis (`cnmf basis --components-per-file 1`,
            # otherwise the same recipe): the rank-1 setting of the predecessor's measurements.
            basis = self.rank1_basis(args)
            return qm.baseline_nmf_wiener(self.mixture, basis, list(range(n)), n, self.settings,
                                          iterations=args.iterations, seed=args.seed)
        if name == "oracle-ratio-mask":
            return qm.oracle_masks(self.mixture, self.references, self.settings, power=1)
        if name == "oracle-wiener":
            return qm.oracle_masks(self.mixture, self.references, self.settings, power=2)
        raise KeyError(name)


def fmt(x, width=7):
    if x is None or not np.isfinite(x):
        return f"{'-':>{width}}"
    return f"{x + 0.0 if round(x, 2) != 0 else 0.0:{width}.2f}"   # no "-0.00"


def print_case_table(case, results):
    labels = case.labels
    base = results.get(BASELINE)
    name_w = max(24, *(len(m) for m in results))
    src_w = max(8, *(len(l) for l in labels))
    header = (f"{'method':<{name_w}} {'SDR':>7} {'SIR':>7} {'SAR':>7} {'SI-SDR':>7} {'dSDR':>7} | "
              + " ".join(f"{l:>{src_w}}" for l in labels) + f" | {'sec':>5}")
    print(f"\n== {case.name}: {len(labels)} sources, {case.mixture.shape[0]} samples, "
          f"{1 if case.mixture.ndim == 1 else case.mixture.shape[1]} ch, {case.rate} Hz "
          f"(per-source columns: SDR in dB; dSDR = SDR - {BASELINE})")
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        d = r["mean_sdr"] - base["mean_sdr"] if base else None
        print(f"{name:<{name_w}} {fmt(r['mean_sdr'])} {fmt(r['mean_sir'])} {fmt(r['mean_sar'])} "
              f"{fmt(r['mean_si_sdr'])} {fmt(d)} | "
              + " ".join(fmt(v, src_w) for v in r["sdr"]) + f" | {r['seconds']:5.2f}"
              + (f"  (silent estimate: {', '.join(labels[i] for i in r['silent_estimates'])})"
                 if r["silent_estimates"] else ""))


def print_checks(all_results, cases):
    rows = [(c, m, r["checks"]) for c in cases for m, r in all_results[c].items() if "checks" in r]
    if not rows:
        return
    print("\n== output checks (cnmf): max |sum of component WAVs - mixture| and - reconstruction.wav")
    print(f"{'case':<14} {'method':<26} {'expect':<14} {'|sum-mix|':>10} {'|sum-recon|':>11} {'lambda':>10}")
    for c, m, ch in rows:
        lam = ch.get("lambda")
        # report.json gives lambda as a string; one value per channel for multichannel input
        lam_s = (",".join(f"{float(v):.4g}" for v in str(lam).split(","))
                 if lam not in (None, "") else "-")
        print(f"{c:<14} {m:<26} {ch['expected_sum']:<14} {ch['max_abs_sum_minus_mixture']:10.2e} "
              f"{ch['max_abs_sum_minus_reconstruction']:11.2e} {lam_s:>10}")


def print_summary(all_results, cases, methods):
    ran = [m for m in methods if any(m in all_results[c] for c in cases)]
    if not ran:
        return
    name_w = max(24, *(len(m) for m in ran))
    case_w = max(12, *(len(c) for c in cases))
    print(f"\n== summary: mean SDR over the sources (dB), per case; mean over cases; "
          f"dSDR = SDR - {BASELINE}")
    print(f"{'method':<{name_w}} " + " ".join(f"{c:>{case_w}}" for c in cases) + f" {'mean':>8}")
    for m in ran:
        vals = [all_results[c][m]["mean_sdr"] if m in all_results[c] else None for c in cases]
        mean = np.mean([v for v in vals if v is not None]) if all(v is not None for v in vals) else None
        print(f"{m:<{name_w}} " + " ".join(fmt(v, case_w) for v in vals) + f" {fmt(mean, 8)}")
    if any(BASELINE in all_results[c] for c in cases):
        print(f"\n{'dSDR vs ' + BASELINE:<{name_w}} " + " ".join(f"{c:>{case_w}}" for c in cases) + f" {'mean':>8}")
        for m in ran:
            if m == BASELINE:
                continue
            vals = [all_results[c][m]["mean_sdr"] - all_results[c][BASELINE]["mean_sdr"]
                    if m in all_results[c] and BASELINE in all_results[c] else None for c in cases]
            mean = np.mean(vals) if all(v is not None for v in vals) else None
            print(f"{m:<{name_w}} " + " ".join(fmt(v, case_w) for v in vals) + f" {fmt(mean, 8)}")
    print("\nbest non-oracle method per case (mean SDR):")
    for c in cases:
        cands = {m: r["mean_sdr"] for m, r in all_results[c].items() if not m.startswith("oracle")}
        if cands:
            best = max(cands, key=cands.get)
            ora = max((r["mean_sdr"] for m, r in all_results[c].items() if m.startswith("oracle")), default=None)
            gap = f", {ora - cands[best]:.2f} dB below the best oracle" if ora is not None else ""
            print(f"  {c:<{case_w}} {best} ({cands[best]:.2f} dB{gap})")


def main():
    global FIXTURES
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Methods: " + ", ".join(DEFAULT_METHODS))
    parser.add_argument("--cnmf", default=os.path.join(".build", "release", "cnmf"), help="cnmf binary")
    parser.add_argument("--cases", nargs="+", default=DEFAULT_CASES, help="fixture mixtures (default: all)")
    parser.add_argument("--methods", nargs="+", default=None, help="methods (default: all built-in)")
    parser.add_argument("--custom", action="append", default=[], metavar="NAME=ARGS",
                        help="extra cnmf separate method, e.g. 'p08=--method complex-nmf --sparsity-p 0.8' "
                             "(expected sum: reconstruction if ARGS contain '--components model', else mixture)")
    parser.add_argument("--json", help="write all numbers to this JSON file")
    parser.add_argument("--iterations", type=int, default=100, help="separation iterations (all methods)")
    parser.add_argument("--seed", type=int, default=0, help="seed (cnmf --seed and baseline U0)")
    parser.add_argument("--components-per-file", type=int, default=6, help="basis columns per note file (cnmf basis default: 6)")
    parser.add_argument("--basis-iterations", type=int, default=200)
    parser.add_argument("--basis-divergence", default="kl", choices=["euclid", "kl", "is"])
    parser.add_argument("--n-fft", type=int, default=2048, help="STFT length for cnmf basis (all methods follow the sidecar)")
    parser.add_argument("--hop", type=int, default=512, help="STFT hop for cnmf basis")
    parser.add_argument("--stereo-metric", default="channels", choices=["channels", "images"],
                        help="multichannel BSS Eval: per channel then mean (default) or bss_eval_images")
    parser.add_argument("--pcm16", action="store_true", help="evaluate cnmf's 16-bit outputs (no --float)")
    parser.add_argument("--fixtures", default=FIXTURES,
                        help="fixture root holding mixtures/<case>/ and the note files (default: the repo's Fixtures)")
    parser.add_argument("--workdir", help="keep intermediate files here (default: a temporary folder, removed)")
    args = parser.parse_args()

    cnmf_methods = dict(CNMF_METHODS)
    for item in args.custom:
        name, _, rest = item.partition("=")
        if not name or not rest:
            parser.error(f"--custom expects NAME=ARGS, got {item!r}")
        margs = shlex.split(rest)
        model = "model" in margs and "--components" in margs and margs[margs.index("--components") + 1] == "model"
        cnmf_methods[name] = (margs, "reconstruction" if model else "mixture")
    known = list(cnmf_methods) + PY_METHODS
    methods = args.methods or (DEFAULT_METHODS + [n for n in cnmf_methods if n not in CNMF_METHODS])
    unknown = [m for m in methods if m not in known]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(known)}")
    # every method needs the binary: the basis always comes from `cnmf basis`
    if not os.path.isabs(args.cnmf) and not os.path.exists(args.cnmf) and os.path.exists(os.path.join(REPO, args.cnmf)):
        args.cnmf = os.path.join(REPO, args.cnmf)   # relative paths: the working directory first, then the repo
    if not (os.path.isfile(args.cnmf) and os.access(args.cnmf, os.X_OK)):
        parser.error(f"cnmf binary not found or not executable: {args.cnmf} "
                     f"(build with `swift build -c release` or pass --cnmf)")
    args.cnmf = os.path.abspath(args.cnmf)
    FIXTURES = os.path.abspath(args.fixtures)

    workdir = args.workdir or tempfile.mkdtemp(prefix="cnmf-eval-")
    os.makedirs(workdir, exist_ok=True)
    started = time.perf_counter()
    all_results, case_info, skipped = {}, {}, []
    print(f"cnmf: {args.cnmf}; iterations {args.iterations}, seed {args.seed}, basis rank "
          f"{args.components_per_file}/note ({args.basis_divergence}, {args.basis_iterations} it, "
          f"n_fft {args.n_fft}, hop {args.hop}), "
          f"outputs {'PCM16' if args.pcm16 else 'float32'}, stereo metric {args.stereo_metric}")
    try:
        for name in args.cases:
            all_results[name] = {}
            try:
                case = Case(name, workdir)
                case.learn_basis(args)
            except Exception as error:   # noqa: BLE001 — report and go on
                print(f"\nskip case {name}: {error}")
                skipped.append({"case": name, "method": None, "reason": str(error)})
                continue
            case_info[name] = {"labels": case.labels, "note_files": [os.path.relpath(p, FIXTURES) for p in case.note_files],
                               "basis_labels": case.column_labels, "column_source": case.column_source,
                               "basis_sidecar": case.sidecar, "rate": case.rate,
                               "channels": 1 if case.mixture.ndim == 1 else int(case.mixture.shape[1]),
                               "samples": int(case.mixture.shape[0])}
            for m in methods:
                t0 = time.perf_counter()
                try:
                    if m in cnmf_methods:
                        margs, expected = cnmf_methods[m]
                        estimates, checks, command = case.run_cnmf(m, margs, args)
                        checks["expected_sum"] = expected
                    else:
                        estimates, checks, command = case.run_python(m, args), None, None
                    seconds = time.perf_counter() - t0
                    metrics = qm.evaluate(case.references, estimates, args.stereo_metric)
                except Exception as error:   # noqa: BLE001
                    print(f"  skip {m} on {name}: {error}")
                    skipped.append({"case": name, "method": m, "reason": str(error)})
                    continue
                r = dict(metrics)
                r.update(mean_sdr=float(np.mean(metrics["sdr"])), mean_sir=float(np.mean(metrics["sir"])),
                         mean_sar=float(np.mean(metrics["sar"])), mean_si_sdr=float(np.mean(metrics["si_sdr"])),
                         seconds=seconds)
                if checks is not None:
                    r["checks"] = checks
                    r["command"] = [os.path.relpath(c, REPO) if os.path.isabs(c) else c for c in command]
                all_results[name][m] = r
            print_case_table(case, all_results[name])
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    cases = [c for c in args.cases if all_results.get(c)]
    print_checks(all_results, cases)
    print_summary(all_results, cases, methods)
    total = time.perf_counter() - started
    print(f"\ntotal {total:.1f} s" + (f"; {len(skipped)} skipped" if skipped else ""))

    if args.json:
        summary = {m: {"mean_sdr_over_cases": float(np.mean([all_results[c][m]["mean_sdr"] for c in cases]))
                       if all(m in all_results[c] for c in cases) and cases else None,
                       "dsdr_vs_baseline": {c: all_results[c][m]["mean_sdr"] - all_results[c][BASELINE]["mean_sdr"]
                                            for c in cases if m in all_results[c] and BASELINE in all_results[c]}}
                   for m in methods}
        payload = {"config": {k: v for k, v in vars(args).items() if k not in ("json",)},
                   "metric_definitions": {
                       "bss_eval": "mir_eval.separation.bss_eval_sources(refs, ests, compute_permutation=False); "
                                   + ("multichannel: per channel then mean in dB" if args.stereo_metric == "channels"
                                      else "multichannel: bss_eval_images"),
                       "si_sdr": "alpha=<e,s>/<s,s>; 10log10(|alpha s|^2/|alpha s-e|^2), no mean removal; per channel then mean"},
                   "cnmf_methods": {m: cnmf_methods[m][0] for m in methods if m in cnmf_methods},
                   "cases": {c: {"info": case_info.get(c), "methods": all_results[c]} for c in all_results},
                   "summary": summary, "skipped": skipped, "seconds": total}
        with open(args.json, "w") as f:
            json.dump(payload, f, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
