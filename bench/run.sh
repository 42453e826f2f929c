#!/usr/bin/env bash
# Benchmarks `rate` against bare `zstd -dc` and DuckDB on the same generated file, in one run.
# Usage: bench/run.sh [EVENTS] (default 1000000). Not a test: figures, not assertions.
# Needs: scripts/setup, and `pip install duckdb` for the reference (skipped if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
data=bench/data
mkdir -p "$data"
file="$data/events-$events.ndjson.zst"
if [ ! -f "$file" ]; then
  echo "generating $events events…" >&2
  python3 ../shared/bench/gen_events.py --events "$events" --seed 42 --month 2026-10 --jobs 2 \
    | zstd -q -3 -T2 > "$file.tmp" && mv "$file.tmp" "$file"
fi
customers="$data/customers-10000.ndjson"
if [ ! -f "$customers" ]; then
  for i in $(seq 1 10000); do
    echo "{\"id\":\"cus_$i\",\"subscriptions\":[{\"plan\":\"bench\",\"start\":\"2026-01-01\"}]}"
  done > "$customers"
fi
swift build -c release --product rate >&2
bin=$(swift build -c release --show-bin-path)
measure() {  # label, command…: wall seconds and peak RSS (MiB)
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$data/time.txt" "$@" > /dev/null 2> "$data/stderr.txt" || {
    cat "$data/stderr.txt" >&2; return 1; }
  read -r seconds kib < "$data/time.txt"
  printf '%-12s %8.2f s %8d MiB\n' "$label" "$seconds" "$((kib / 1024))"
  echo "$seconds"  > "$data/$label.seconds"
}
echo "events: $events ($(du -h "$file" | cut -f1) compressed), $(nproc) cores"
measure zstd-dc zstd -dc "$file"
rm -rf "$data/out"
measure rate "$bin/rate" --catalog bench/catalog.yaml --customers "$customers" --period 2026-10 \
  --output "$data/out" "$file"
if python3 -c "import duckdb" 2>/dev/null; then
  measure duckdb python3 bench/duckdb_reference.py "$file" "$(nproc)"
  python3 - "$data" <<'PY'
import sys
d = sys.argv[1]
r, z, k = (float(open(f"{d}/{n}.seconds").read()) for n in ("rate", "zstd-dc", "duckdb"))
print(f"rate / zstd -dc = {r / z:.2f}x   duckdb / rate = {k / r:.2f}x (above 1: rate is faster)")
PY
fi
