#!/usr/bin/env bash
# SHA-256 throughput: Ratebook's SHA256 and swift-crypto's (release build), then sha256sum and
# openssl on the same bytes. Usage: bench/sha256/run.sh [MIB] (default 512). Figures only.
# BENCH_SCRATCH=<dir> reuses a build folder (swift-crypto takes minutes to build in release).
set -euo pipefail
cd "$(dirname "$0")"
mib=${1:-512}
scratch=(${BENCH_SCRATCH:+--scratch-path "$BENCH_SCRATCH"})
swift build -c release "${scratch[@]}" >&2
file=$(mktemp "${TMPDIR:-/tmp}/sha256bench.XXXXXX")
trap 'rm -f "$file"' EXIT
"$(swift build -c release "${scratch[@]}" --show-bin-path)/sha256bench" "$mib" 3 "$file"
for tool in "sha256sum" "openssl dgst -sha256 -r"; do
  best=
  for _ in 1 2 3; do
    start=$(date +%s.%N); $tool "$file" > /dev/null; end=$(date +%s.%N)
    best=$(python3 -c "print(min(x for x in [$end - $start, ${best:-1e9}]))")
  done
  python3 -c "print(f'${tool%% *}\t{int($mib * 1048576 / $best / 1e6)} MB/s (file in page cache)')"
done
