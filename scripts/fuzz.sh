#!/usr/bin/env bash
# Fuzzes the input parsers with libFuzzer (+ AddressSanitizer) for a fixed time each:
#   scripts/fuzz.sh [SECONDS_PER_TARGET=600] [TARGET...]      targets: fuzz-npy fuzz-sidecar fuzz-audio fuzz-spectrogram-file
# Corpora live in .build-fuzz/corpus/<target> (seeded from Tests/Golden and Fixtures); crashers
# are written to Tests/Fuzz/Crashers/<target>/, where the regression test FuzzRegressionTests
# replays them on every `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}; shift || true
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(fuzz-npy fuzz-sidecar fuzz-audio fuzz-spectrogram-file)
scripts/install-deps.sh
scratch=.build-fuzz
fuzzer_library=$(find "$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")/lib" -name "libclang_rt.fuzzer_no_main-x86_64.a" | head -n 1)
for target in "${targets[@]}"; do
  # Coverage instrumentation + ASan; libFuzzer linked without its own main (SwiftPM owns main).
  swift build --scratch-path "$scratch" --product "$target" -Xswiftc -DFUZZING \
      -Xswiftc -sanitize=address -Xswiftc -Xfrontend -Xswiftc -sanitize=fuzzer,address \
      -Xlinker "$fuzzer_library" -Xlinker -lstdc++ 2>&1 | grep -vE "warning: Cannot export local symbol" | tail -3
  corpus="$scratch/corpus/$target"; crashers="Tests/Fuzz/Crashers/$target"
  mkdir -p "$corpus" "$crashers"
  case "$target" in
    fuzz-npy) cp -n Tests/Golden/foundation/npy_*.npy Tests/Golden/factorization/input_U0.npy "$corpus"/ 2>/dev/null || true ;;
    fuzz-sidecar) cp -n Fixtures/mixtures/*/labels.json "$corpus"/ 2>/dev/null || true
                  printf '{"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "window": "hann", "center": true, "length": 100, "channels": 1, "source": "x"}' > "$corpus/spec.json" ;;
    fuzz-audio) cp -n Fixtures/notes/violin/*.wav "$corpus"/ 2>/dev/null || true ;;
    fuzz-spectrogram-file) python3 -c "import numpy as np; y = np.ones((1025, 3), np.complex64); np.save('$corpus/f.npy', np.asfortranarray(y)); np.save('$corpus/c.npy', y); np.save('$corpus/s.npy', np.asfortranarray(np.ones((2, 1025, 2), np.complex64)))" ;;
  esac
  echo "== $target: ${seconds}s"
  "$scratch/debug/$target" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 \
      -artifact_prefix="$crashers/" -print_final_stats=1 2>&1 | grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|Done|SUMMARY" || true
done
