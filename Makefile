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

# The suite twice: the debug build (assertions, bounds checks) and the release build that ships
# (optimised Swift; the C kernels' plain loops vectorised, which the debug build's -O0 never
# exercises), the latter with -enable-testing for @testable imports, in its own build directory.
test: deps
	$(SWIFT) test
	$(SWIFT) test $(RELEASE_FLAGS) -Xswiftc -enable-testing --build-path .build-release-tests

demo: release
	@mkdir -p $(OUT)
	$(CNMF) basis Fixtures/notes/piano -o $(OUT)/basis.npy --overwrite
	$(CNMF) separate $(DEMO_INPUT) --basis $(OUT)/basis.npy -o $(OUT)/separated --overwrite
	$(CNMF) evaluate --reference Fixtures/mixtures/piano_chord/sources --estimate $(OUT)/separated --json $(OUT)/evaluation.json
	@echo
	@echo "demo: basis in $(OUT)/basis.npy (+ basis.json); one WAV per note, reconstruction.wav,"
	@echo "      .npy intermediates, plots and report.json in $(OUT)/separated/; scores in $(OUT)/evaluation.json"

clean:
	rm -rf .build .build-release-tests $(OUT)

# The release build already has the fast Complex NMF kernel: its AVX-512 loops are compiled
# through function attributes and chosen at run time, so no CPU flags are needed (or wanted:
# the binaries stay portable). The script also compiles the C yardstick with
# cc -O3 -march=native -ffast-math.
bench: release
	python3 Benchmarks/benchmark.py --cnmf $(CNMF) --cnmf-bench .build/release/cnmf-bench
