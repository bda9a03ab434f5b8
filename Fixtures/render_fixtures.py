#!/usr/bin/env python3
"""Render the real-instrument audio fixtures of ComplexNMF with FluidSynth.

What it makes (paths relative to this folder, ``Fixtures/``):

* ``notes/<instrument>/<note>.wav`` -- isolated notes (22050 Hz, mono, PCM16)
  used as training material: piano C4 E4 G4 C5, flute C5 E5 G5, violin G4 D5.
* ``notes/piano_44k/<note>.wav`` -- piano C4 and E4 at 44100 Hz, mono.
* ``mixtures/<name>/mixture.wav`` with ``sources/<label>.wav`` (ground truth)
  and ``labels.json`` (which note file, instrument, MIDI note and note events
  belong to each source).  ``mixture`` is exactly the integer sum of the
  PCM16 sources, sample for sample.
* ``default.wav`` -- byte copy of ``mixtures/piano_chord/mixture.wav``, the
  default input of the demo.

How it works: for every rendering a tiny standard MIDI file (format 0) is
written by hand, rendered offline by the FluidSynth command line with reverb
and chorus off (so the notes are dry), read back as float, trimmed or
zero-padded to an exact length and downmixed to mono by averaging FluidSynth's
two channels.  Sources of the stereo mixture are that mono signal placed with a
constant-power pan law in numpy (FluidSynth's own pan controller gives no clear
left/right placement with the stereo piano samples of FluidR3).  All
renderings share ONE gain, chosen so that the loudest file of the whole set
peaks at -1 dBFS; there is no per-file
normalisation, so levels are comparable between files and a mixture source is
at the same level as the matching isolated note.  Samples are then rounded to
PCM16 without dither.  Each MIDI file is rendered twice and the two outputs
are compared, which checks that FluidSynth is deterministic.

Requirements: Debian packages ``fluidsynth`` and ``fluid-soundfont-gm``
(``/usr/share/sounds/sf2/FluidR3_GM.sf2``, MIT licence), and Python 3 with
numpy and soundfile.

Run from anywhere:

    python3 Fixtures/render_fixtures.py            # render and verify
    python3 Fixtures/render_fixtures.py --no-verify  # render each file once

Re-running produces byte-identical files (checked with FluidSynth 2.3.1).
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

FIXTURES = Path(__file__).resolve().parent
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")

# -ni: no shell, no MIDI input driver; -q: quiet; -g: master gain;
# -R 0 / -C 0: reverb and chorus off; float output avoids FluidSynth's own
# dithering when it converts to 16 bit (we quantise ourselves).
FLUIDSYNTH_OPTIONS = ["-ni", "-q", "-g", "0.6", "-R", "0", "-C", "0",
                      "-O", "float", "-T", "wav"]

GM_PROGRAMS = {"piano": 0, "violin": 40, "flute": 73}
VELOCITY = 100
PEAK_TARGET = 10.0 ** (-1.0 / 20.0)  # -1 dBFS for the loudest file
PCM16_SCALE = 32768.0                # libsndfile reads PCM16 as value / 32768

# Isolated notes: note-on at 0 s, note-off at NOTE_HOLD, file NOTE_LENGTH long.
NOTE_HOLD, NOTE_LENGTH = 1.2, 1.5
NOTES = {
    "piano": ["C4", "E4", "G4", "C5"],
    "flute": ["C5", "E5", "G5"],
    "violin": ["G4", "D5"],
}
# The 44.1 kHz isolated notes are shorter to keep Fixtures/ under 3 MB.
NOTE_44K_HOLD, NOTE_44K_LENGTH = 0.8, 1.0
NOTES_44K = ["C4", "E4"]

MELODY_ONSETS = [0.1, 0.5, 0.9, 1.3, 1.7]     # a new note every 0.4 s ...
MELODY_NOTES = ["C4", "E4", "G4", "C5", "C4"]  # ... each 0.6 s long
MELODY_LENGTH = 0.6


@dataclass(frozen=True)
class Part:
    """One instrument playing one pitch at the given (on, off) times (s)."""

    instrument: str
    note: str
    events: tuple[tuple[float, float], ...]

    @property
    def midi_note(self) -> int:
        return note_number(self.note)


@dataclass(frozen=True)
class Source:
    """A ground-truth source of a mixture and the note file it matches."""

    label: str
    part: Part
    note_file: str  # relative to Fixtures/
    # Stereo mixtures only: the mono rendering is placed at this position
    # (-1 = hard left, 0 = centre, +1 = hard right) with a constant-power law.
    pan: float = 0.0

    @property
    def pan_gains(self) -> tuple[float, float]:
        """(left, right) gains: cos and sin of (pan + 1) * pi / 4."""
        angle = (self.pan + 1.0) * np.pi / 4.0
        return float(np.cos(angle)), float(np.sin(angle))


@dataclass(frozen=True)
class Mixture:
    name: str
    rate: int
    length: float  # seconds
    stereo: bool
    sources: tuple[Source, ...]


def note_number(name: str) -> int:
    """MIDI note number of a name like 'C4' or 'F#3' (C4 = 60)."""
    steps = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
    pitch = steps[name[0]]
    rest = name[1:]
    while rest and rest[0] in "#b":
        pitch += 1 if rest[0] == "#" else -1
        rest = rest[1:]
    return 12 * (int(rest) + 1) + pitch


def piano(note: str, *events: tuple[float, float]) -> Source:
    return Source(note, Part("piano", note, events), f"notes/piano/{note}.wav")


def labelled(instrument: str, note: str, *events: tuple[float, float]) -> Source:
    return Source(f"{instrument}_{note}", Part(instrument, note, events),
                  f"notes/{instrument}/{note}.wav")


def melody_sources() -> tuple[Source, ...]:
    events: dict[str, list[tuple[float, float]]] = {}
    for onset, note in zip(MELODY_ONSETS, MELODY_NOTES):
        events.setdefault(note, []).append((onset, round(onset + MELODY_LENGTH, 6)))
    return tuple(piano(n, *events[n]) for n in ["C4", "E4", "G4", "C5"])


# Lengths are shorter than first planned (chord 2.5 s, melody 3.0 s, octave
# 2.0 s, piano_flute 3.0 s, stereo 2.0 s) so that the whole folder stays under
# 3 MB; see README.md.
MIXTURES = (
    Mixture("piano_chord", 22050, 1.8, False, (
        piano("C4", (0.2, 1.4)), piano("E4", (0.2, 1.4)), piano("G4", (0.2, 1.4)))),
    Mixture("piano_melody", 22050, 2.5, False, melody_sources()),
    Mixture("piano_octave", 22050, 1.3, False, (
        piano("C4", (0.1, 1.0)), piano("C5", (0.1, 1.0)))),
    Mixture("piano_flute", 22050, 2.0, False, (
        labelled("piano", "C4", (0.1, 1.5)),
        labelled("piano", "E4", (0.6, 1.7)),
        labelled("flute", "G5", (0.3, 1.0)),
        labelled("flute", "C5", (1.0, 1.8)))),
    Mixture("stereo_44k", 44100, 0.75, True, (
        Source("C4", Part("piano", "C4", ((0.05, 0.55),)), "notes/piano_44k/C4.wav", pan=-0.5),
        Source("E4", Part("piano", "E4", ((0.05, 0.55),)), "notes/piano_44k/E4.wav", pan=0.5))),
)


# --------------------------------------------------------------------------
# Standard MIDI file writer (format 0, one track, 1 tick = 1 ms).
# --------------------------------------------------------------------------

TICKS_PER_QUARTER = 500
MICROSECONDS_PER_QUARTER = 500_000  # with 500 ticks per quarter: 1 ms per tick


def variable_length(value: int) -> bytes:
    """MIDI variable-length quantity (7 bits per byte, high bit = more)."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def midi_file(parts: list[Part], end_time: float) -> bytes:
    """Bytes of a format-0 MIDI file playing `parts`, one channel per part."""
    channels = [c for c in range(16) if c != 9][: len(parts)]  # 9 = drums
    assert len(channels) == len(parts), "too many parts for one MIDI file"
    # (tick, order, bytes): at equal ticks, setup < note-off < note-on < end.
    events: list[tuple[int, int, bytes]] = [
        (0, 0, b"\xff\x51\x03" + MICROSECONDS_PER_QUARTER.to_bytes(3, "big")),
    ]
    for channel, part in zip(channels, parts):
        events += [
            (0, 0, bytes([0xC0 | channel, GM_PROGRAMS[part.instrument]])),
            (0, 0, bytes([0xB0 | channel, 7, 100])),       # channel volume
            (0, 0, bytes([0xB0 | channel, 10, 64])),        # pan centre
        ]
        for on, off in part.events:
            events.append((round(on * 1000), 2, bytes([0x90 | channel, part.midi_note, VELOCITY])))
            events.append((round(off * 1000), 1, bytes([0x80 | channel, part.midi_note, 0])))
    events.append((round(end_time * 1000), 3, b"\xff\x2f\x00"))  # end of track
    events.sort(key=lambda e: (e[0], e[1]))

    track = bytearray()
    previous = 0
    for tick, _, message in events:
        track += variable_length(tick - previous) + message
        previous = tick
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------

def fluidsynth_command(rate: int, wav: Path, mid: Path) -> list[str]:
    return ["fluidsynth", *FLUIDSYNTH_OPTIONS, "-r", str(rate),
            "-F", str(wav), str(SOUNDFONT), str(mid)]


def render(parts: list[Part], rate: int, length: float, verify: bool) -> np.ndarray:
    """Render `parts` and downmix to mono: float64 array of exactly
    round(length * rate) samples."""
    n = round(length * rate)
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "in.mid"
        mid.write_bytes(midi_file(parts, end_time=length + 0.1))
        outputs = []
        for attempt in range(2 if verify else 1):
            wav = Path(tmp) / f"out{attempt}.wav"
            subprocess.run(fluidsynth_command(rate, wav, mid), check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            audio, got_rate = sf.read(wav, dtype="float64", always_2d=True)
            assert got_rate == rate and audio.shape[1] == 2, (got_rate, audio.shape)
            outputs.append(audio)
        if verify and not np.array_equal(outputs[0], outputs[1]):
            raise RuntimeError(f"FluidSynth is not deterministic for {parts}")
    audio = outputs[0][:n]
    if len(audio) < n:
        audio = np.concatenate([audio, np.zeros((n - len(audio), 2))])
    return audio.mean(axis=1)


def to_pcm16(audio: np.ndarray, gain: float) -> np.ndarray:
    scaled = np.round(audio * gain * PCM16_SCALE)
    assert np.abs(scaled).max() <= 32767, "clipping"
    return scaled.astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, rate, subtype="PCM_16", format="WAV")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-verify", action="store_true",
                        help="render each MIDI file once instead of twice")
    verify = not parser.parse_args().no_verify

    # 1. Render everything as float.
    notes: dict[str, tuple[np.ndarray, int]] = {}
    for instrument, names in NOTES.items():
        for name in names:
            part = Part(instrument, name, ((0.0, NOTE_HOLD),))
            notes[f"notes/{instrument}/{name}.wav"] = (
                render([part], 22050, NOTE_LENGTH, verify), 22050)
    for name in NOTES_44K:
        part = Part("piano", name, ((0.0, NOTE_44K_HOLD),))
        notes[f"notes/piano_44k/{name}.wav"] = (
            render([part], 44100, NOTE_44K_LENGTH, verify), 44100)
    sources = {}
    for mix in MIXTURES:
        for src in mix.sources:
            mono = render([src.part], mix.rate, mix.length, verify)
            sources[(mix.name, src.label)] = (
                np.outer(mono, src.pan_gains) if mix.stereo else mono)

    # 2. One gain for the whole set: the loudest note file or mixture peaks at -1 dBFS.
    peaks = [np.abs(audio).max() for audio, _ in notes.values()]
    peaks += [np.abs(sum(sources[(mix.name, s.label)] for s in mix.sources)).max()
              for mix in MIXTURES]
    gain = PEAK_TARGET / max(peaks)

    # 3. Quantise and write.
    for path, (audio, rate) in notes.items():
        write_wav(FIXTURES / path, to_pcm16(audio, gain), rate)
    for mix in MIXTURES:
        folder = FIXTURES / "mixtures" / mix.name
        total = 0
        for src in mix.sources:
            pcm = to_pcm16(sources[(mix.name, src.label)], gain)
            write_wav(folder / "sources" / f"{src.label}.wav", pcm, mix.rate)
            total = total + pcm.astype(np.int32)
        assert np.abs(total).max() <= 32767, f"{mix.name}: mixture clips"
        write_wav(folder / "mixture.wav", total.astype(np.int16), mix.rate)
        write_labels(folder / "labels.json", mix)
    shutil.copyfile(FIXTURES / "mixtures/piano_chord/mixture.wav", FIXTURES / "default.wav")

    print(f"common gain applied to FluidSynth output: {gain:.6f}")
    print("fluidsynth command:", " ".join(fluidsynth_command(22050, Path("out.wav"), Path("in.mid"))))
    total_bytes = 0
    for path in sorted(p for p in FIXTURES.rglob("*") if p.is_file()):
        total_bytes += path.stat().st_size
        print(f"{path.stat().st_size:>9}  {path.relative_to(FIXTURES)}")
    print(f"{total_bytes:>9}  total")


def write_labels(path: Path, mix: Mixture) -> None:
    """Describe the sources of a mixture (times in seconds)."""
    info = {
        "name": mix.name,
        "sample_rate": mix.rate,
        "channels": 2 if mix.stereo else 1,
        "frames": round(mix.length * mix.rate),
        "mixture": "mixture.wav",
        "sources": [
            {
                "label": src.label,
                "file": f"sources/{src.label}.wav",
                "note_file": src.note_file,
                "instrument": src.part.instrument,
                "gm_program": GM_PROGRAMS[src.part.instrument],
                "note": src.part.note,
                "midi_note": src.part.midi_note,
                "velocity": VELOCITY,
                **({"pan": src.pan, "pan_gains_left_right": list(src.pan_gains)}
                   if mix.stereo else {}),
                "events": [{"on": on, "off": off} for on, off in src.part.events],
            }
            for src in mix.sources
        ],
        "paths": "file: relative to this folder; note_file: relative to Fixtures/",
        "times": "event on/off in seconds from the start of the file",
    }
    path.write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    main()
