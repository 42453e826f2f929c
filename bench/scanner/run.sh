#!/usr/bin/env bash
# EventScanner (Ingest) against EventLineParser (Formats): CPU nanoseconds a line over the first
# LINES lines of the seeded benchmark events, release build, best of ROUNDS; the harness also
# checks every line the scanner takes against the parser. Figures only, not a test.
# Usage: bench/scanner/run.sh [LINES [ROUNDS]]   (default 200000 lines, 5 rounds)
#        bench/scanner/run.sh --allocations      (valgrind: heap allocations, 1 vs 4 passes)
# EVENTS_ZST=<file> names the events (default bench/data/events-1000000.ndjson.zst, which
# `bench/run.sh 1000000` generates).
set -euo pipefail
cd "$(dirname "$0")"
events=${EVENTS_ZST:-../data/events-1000000.ndjson.zst}
if [ ! -f "$events" ]; then
  echo "no $events: run bench/run.sh 1000000 first, or set EVENTS_ZST" >&2
  exit 1
fi
swift build -c release >&2
bench="$(swift build -c release --show-bin-path)/scannerbench"
lines=$(mktemp "${TMPDIR:-/tmp}/scannerbench.XXXXXX")
trap 'rm -f "$lines"' EXIT
# The first N lines (zstd stops on the closed pipe, which pipefail would count as a failure).
first_lines() { zstd -dc "$events" 2>/dev/null | head -n "$1" > "$lines" || true; }
dirty=$([ -n "$(git status --porcelain)" ] && echo -dirty || true)
echo "commit $(git rev-parse --short HEAD)$dirty"
if [ "${1:-}" = "--allocations" ]; then
  # The same 20,000 lines scanned once and four times: equal totals mean no allocation per line.
  first_lines 20000
  for rounds in 1 4; do
    echo "scan x$rounds:"
    valgrind --tool=memcheck "$bench" "$lines" "$rounds" scan 2>&1 | grep "total heap usage"
  done
  exit 0
fi
first_lines "${1:-200000}"
"$bench" "$lines" "${2:-5}"
