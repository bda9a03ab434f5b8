#!/usr/bin/env python3
"""Run methods (keys of methods.METHODS) on the fixtures and/or the held-out tree; print SDR and
dSDR vs the exact baseline (NMF Euclidean activations, 100 it, ratio mask).

    python3 scripts/quality_research/run.py --methods baseline b0_p2_a1_d1 ... [--sets fix held]
        [--cache /tmp/quality_research_cache/results.json] [--force NAME ...]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import methods  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--methods", nargs="+", required=True)
    ap.add_argument("--sets", nargs="+", default=["fix", "held"])
    ap.add_argument("--cache", default=os.path.join(common.CACHE_DIR, "results.json"))
    ap.add_argument("--force", nargs="*", default=[])
    ap.add_argument("--metric", default="sdr", choices=["sdr", "sir", "sar", "si_sdr"])
    ap.add_argument("--markdown", action="store_true", help="also print the delta table as markdown")
    a = ap.parse_args()
    ms = a.methods if "baseline" in a.methods else ["baseline"] + a.methods
    cases = []
    if "fix" in a.sets:
        cases += [(os.path.join(common.REPO, "Fixtures"), c) for c in common.FIXTURE_CASES]
    if "held" in a.sets:
        cases += [(common.HELDOUT_ROOT, c) for c in common.HELDOUT_CASES]
    os.makedirs(common.CACHE_DIR, exist_ok=True)
    jobs = [(r, c, m) for r, c in cases for m in ms]
    res = common.evaluate_all(jobs, a.cache, force=set(a.force))
    short = [c[:10] for _, c in cases]
    print(f"\nmean {a.metric.upper()} per case (dB); rows after the first: delta vs baseline; "
          f"'minF'/'minH' = worst delta on fixtures / held-out")
    print(f"{'method':<24}" + "".join(f"{s:>11}" for s in short) + f"{'minF':>7}{'minH':>7}{'meanAll':>8}")
    base = {(r, c): np.mean(res[(r, c, 'baseline')][a.metric]) for r, c in cases}
    print(f"{'baseline (abs)':<24}" + "".join(f"{base[x]:11.2f}" for x in cases))
    for m in ms:
        if m == "baseline":
            continue
        d = [np.mean(res[(r, c, m)][a.metric]) - base[(r, c)] for r, c in cases]
        fx = [v for v, (r, _) in zip(d, cases) if r != common.HELDOUT_ROOT]
        hd = [v for v, (r, _) in zip(d, cases) if r == common.HELDOUT_ROOT]
        print(f"{m:<24}" + "".join(f"{v:11.2f}" for v in d)
              + f"{min(fx) if fx else np.nan:7.2f}{min(hd) if hd else np.nan:7.2f}{np.mean(d):8.2f}")

    if a.markdown:
        print("\n| method | " + " | ".join(short) + " | min | mean |\n|---|" + "---|" * (len(cases) + 2))
        for m in ms:
            if m == "baseline":
                continue
            d = [np.mean(res[(r, c, m)][a.metric]) - base[(r, c)] for r, c in cases]
            print(f"| {m} | " + " | ".join(f"{v:+.2f}" for v in d) + f" | {min(d):+.2f} | {np.mean(d):+.2f} |")


if __name__ == "__main__":
    main()
