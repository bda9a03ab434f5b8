#!/usr/bin/env python3
"""Render DENSE held-out mixtures (same layout as Fixtures/): 9 to 12 notes sounding at once,
to measure what the consistent-Wiener cost cap (the loudest `--consistency-outputs` outputs of
a chunk, 8 by default, take part) does when more notes sound than the cap admits. Every
Fixtures/ and render_heldout.py mixture has at most 4 sources, where the cap never binds.

Reuses render_heldout.py's recipe and writer (imported, not copied): isolated note files at
velocity 100, one gain for the whole set, PCM16, mixture = integer sum of the sources.

    python3 scripts/quality_research/render_dense.py [--out /tmp/dense]
    python3 scripts/evaluate_quality.py --fixtures /tmp/dense --methods default baseline-nmf-wiener \\
        --custom "wiener=--consistency-iterations 0" "cap12=--consistency-outputs 12" "cap16=--consistency-outputs 16"
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render_heldout as rh  # noqa: E402

src = rh.src
rh.MIXES = [
    # Ten piano notes struck together (two hands, wide voicing).
    ("piano_cluster10", 22050, 1.6, False,
     [src("piano", n, [(0.1, 1.3)]) for n in ("C3", "G3", "C4", "E4", "G4", "B4", "D5", "F5", "A5", "C6")]),
    # Twelve organ notes held together.
    ("organ_dense12", 22050, 1.6, False,
     [src("organ", n, [(0.1, 1.3)]) for n in ("C3", "G3", "C4", "E4", "G4", "A#4", "D5", "F5", "A5", "C6", "E6", "G6")]),
    # Eight sustained piano notes and a four-note clarinet line over them: 9 sound at a time.
    ("piano_chord_clarinet_line", 22050, 2.2, False,
     [src("piano", n, [(0.1, 2.0)]) for n in ("D3", "A3", "D4", "F#4", "A4", "D5", "F#5", "A5")]
     + [src("clarinet", n, [(t, t + 0.5)]) for n, t in (("E4", 0.15), ("G4", 0.65), ("B4", 1.15), ("C#5", 1.6))]),
]

if __name__ == "__main__":
    rh.main()
