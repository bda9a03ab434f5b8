#!/usr/bin/env python3
"""Render a HELD-OUT fixture tree (same layout as Fixtures/) for the quality research.

Nothing here is tuned on: it only exists to check that what helps on Fixtures/ also helps on
notes, instruments, intervals and rates never seen. It reuses the MIDI writer and FluidSynth
renderer of Fixtures/render_fixtures.py (imported, not copied) and the same recipe:
isolated notes on at 0 s / off at 1.2 s, 1.5 s long (44.1 kHz: 0.8 s / 1.0 s); one common gain
for the whole set (loudest file at -1 dBFS); PCM16; mixture = integer sum of the sources.

Differences from Fixtures/ on purpose: other GM programs (organ, clarinet, nylon guitar, cello,
violin, trumpet, alto sax, piano at other pitches), other intervals (octave E3/E4 on guitar,
fifth cello/violin, A-major chord with an octave) and one mixture played at velocity 80 while the
note files are at velocity 100 (timbre/level mismatch between basis and mixture).

    python3 scripts/quality_research/render_heldout.py [--out /tmp/heldout]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "Fixtures"))
import render_fixtures as rf  # noqa: E402

rf.GM_PROGRAMS.update({"organ": 19, "clarinet": 71, "guitar": 24, "cello": 42,
                       "trumpet": 56, "altosax": 65})


def src(instr, note, events, rate=22050, pan=0.0, velocity=100):
    folder = instr if rate == 22050 else f"{instr}_44k"
    return dict(label=f"{instr}_{note}", instrument=instr, note=note, events=tuple(events),
                note_file=f"notes/{folder}/{note}.wav", rate=rate, pan=pan, velocity=velocity)


MIXES = [
    ("organ_chord", 22050, 1.6, False, [src("organ", n, [(0.1, 1.3)]) for n in ("D4", "F#4", "A4")]),
    ("clarinet_melody", 22050, 2.2, False, [
        src("clarinet", "A3", [(0.1, 0.65), (1.3, 1.9)]), src("clarinet", "C4", [(0.45, 1.0)]),
        src("clarinet", "E4", [(0.8, 1.35)]), src("clarinet", "A4", [(1.1, 1.7)])]),
    ("guitar_octave", 22050, 1.4, False, [src("guitar", "E3", [(0.1, 1.2)]), src("guitar", "E4", [(0.1, 1.2)])]),
    ("cello_violin_fifth", 22050, 1.4, False, [src("cello", "G3", [(0.1, 1.2)]), src("violin", "D4", [(0.1, 1.2)])]),
    ("piano_amaj_vel80", 22050, 1.6, False, [src("piano", n, [(0.1, 1.3)], velocity=80)
                                             for n in ("A3", "C#4", "E4", "A4")]),
    ("brass_reed_44k", 44100, 0.9, True, [
        src("trumpet", "C4", [(0.05, 0.7)], 44100, pan=-0.6), src("altosax", "E4", [(0.05, 0.7)], 44100, pan=0.4),
        src("guitar", "G3", [(0.2, 0.75)], 44100, pan=0.0)]),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/heldout")
    out = Path(ap.parse_args().out)
    notes, sources = {}, {}
    for name, rate, length, stereo, srcs in MIXES:
        for s in srcs:
            hold, nlen = (1.2, 1.5) if rate == 22050 else (0.8, 1.0)
            if s["note_file"] not in notes:
                rf.VELOCITY = 100
                notes[s["note_file"]] = (rf.render([rf.Part(s["instrument"], s["note"], ((0.0, hold),))],
                                                   rate, nlen, False), rate)
            rf.VELOCITY = s["velocity"]
            mono = rf.render([rf.Part(s["instrument"], s["note"], s["events"])], rate, length, False)
            rf.VELOCITY = 100
            angle = (s["pan"] + 1) * np.pi / 4
            sources[(name, s["label"])] = np.outer(mono, (np.cos(angle), np.sin(angle))) if stereo else mono
    peaks = [np.abs(a).max() for a, _ in notes.values()]
    peaks += [np.abs(sum(sources[(m[0], s["label"])] for s in m[4])).max() for m in MIXES]
    gain = rf.PEAK_TARGET / max(peaks)
    for path, (audio, rate) in notes.items():
        rf.write_wav(out / path, rf.to_pcm16(audio, gain), rate)
    for name, rate, length, stereo, srcs in MIXES:
        folder = out / "mixtures" / name
        total = 0
        for s in srcs:
            pcm = rf.to_pcm16(sources[(name, s["label"])], gain)
            rf.write_wav(folder / "sources" / f"{s['label']}.wav", pcm, rate)
            total = total + pcm.astype(np.int32)
        rf.write_wav(folder / "mixture.wav", total.astype(np.int16), rate)
        info = {"name": name, "sample_rate": rate, "channels": 2 if stereo else 1, "mixture": "mixture.wav",
                "sources": [{"label": s["label"], "file": f"sources/{s['label']}.wav", "note_file": s["note_file"],
                             "instrument": s["instrument"], "note": s["note"], "velocity": s["velocity"],
                             "events": [{"on": a, "off": b} for a, b in s["events"]]} for s in srcs]}
        (folder / "labels.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"wrote {len(notes)} notes and {len(MIXES)} mixtures to {out} (gain {gain:.4f})")


if __name__ == "__main__":
    main()
