#!/usr/bin/env python3
"""Makes the end-to-end benchmark input of README "Performance": the 88 piano notes A0..C8
rendered with FluidSynth (FluidR3_GM, as Fixtures/render_fixtures.py does), their basis
(`cnmf basis --components-per-file 1`, 88 columns) and a 10-minute 44.1 kHz stereo recording
of seeded random chords made of those notes (each note panned at random).

    python3 Benchmarks/make_long_input.py [--out /tmp/long] [--minutes 10] [--cnmf .build/release/cnmf]
    /usr/bin/time -v .build/release/cnmf separate /tmp/long/long.wav --basis /tmp/long/basis88.npy -o /tmp/long/out --quiet

Needs fluidsynth, fluid-soundfont-gm, numpy and soundfile. Takes about two minutes.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import soundfile as sf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Fixtures"))
import render_fixtures as rf  # noqa: E402

NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
RATE = 44100
HOLD, LENGTH = 1.0, 1.5


def note_name(midi):
    return f"{NAMES[midi % 12]}{midi // 12 - 1}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/long")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--cnmf", default=os.path.join(ROOT, ".build/release/cnmf"))
    args = parser.parse_args()
    notes_dir = os.path.join(args.out, "notes88")
    os.makedirs(notes_dir, exist_ok=True)
    notes = []
    for midi in range(21, 109):
        # File names sort in pitch order; labels are the file stems.
        path = os.path.join(notes_dir, f"{midi:03d}_{note_name(midi).replace('#', 's')}.wav")
        audio = rf.render([rf.Part("piano", note_name(midi), ((0.0, HOLD),))], RATE, LENGTH, verify=False)
        notes.append(audio)
        sf.write(path, audio, RATE, subtype="FLOAT")
    basis = os.path.join(args.out, "basis88.npy")
    subprocess.run([args.cnmf, "basis", notes_dir, "-o", basis, "--components-per-file", "1", "--overwrite", "-q"], check=True)

    # Chords every 0.5 s: 1–4 random notes, each with a random gain and pan.
    rng = np.random.default_rng(0)
    n = int(args.minutes * 60 * RATE)
    mix = np.zeros((n + int(LENGTH * RATE), 2))
    for start in range(0, n, RATE // 2):
        for midi in rng.choice(88, size=rng.integers(1, 5), replace=False):
            note = notes[midi] * rng.uniform(0.3, 1.0)
            angle = (rng.uniform(-1, 1) + 1) * np.pi / 4
            mix[start:start + len(note), 0] += np.cos(angle) * note
            mix[start:start + len(note), 1] += np.sin(angle) * note
    mix = mix[:n]
    mix *= 0.9 / np.max(np.abs(mix))
    sf.write(os.path.join(args.out, "long.wav"), mix, RATE, subtype="PCM_16")
    print(f"wrote {args.out}/long.wav ({args.minutes:g} min, 44.1 kHz stereo), {basis} (88 columns), {notes_dir}/")


if __name__ == "__main__":
    main()
