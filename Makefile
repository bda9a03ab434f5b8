# ComplexNMF — the two commands a fresh Debian machine with Swift needs:
#   make demo   run the main job on the embedded fixture (installs what is missing, builds)
#   make test   run the test suite (installs what is missing, builds)
# Other targets: build, release, bench, clean.

SWIFT ?= swift
RELEASE_FLAGS := -c release
CNMF := .build/release/cnmf
OUT ?= out
DEMO_INPUT ?= Fixtures/default.wav

.PHONY: deps build release test demo bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: deps
	$(SWIFT) test

demo: release
	@mkdir -p $(OUT)
	$(CNMF) spectrogram $(DEMO_INPUT) -o $(OUT)/spectrogram.npy --overwrite
	$(CNMF) resynth $(OUT)/spectrogram.npy -o $(OUT)/resynthesis.wav --overwrite
	@echo "demo: spectrogram in $(OUT)/spectrogram.npy (+ .json sidecar), resynthesis in $(OUT)/resynthesis.wav"

clean:
	rm -rf .build $(OUT)

bench: release
	python3 Benchmarks/benchmark.py --cnmf $(CNMF)
