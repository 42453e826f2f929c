#!/usr/bin/env bash
# Benchmarks `rate` (release) against bare decompression and DuckDB on the same generated events,
# the commands interleaved run by run so that load from other work on the machine spreads over
# all of them. Not a test: figures, not assertions.
#
# Usage: bench/run.sh [--no-duckdb] [--gz] [--hourly[=N]] [EVENTS [RUNS]]
#   EVENTS  lines generated (default 1000000), seed 42, October 2026, 10,000 customers
#   RUNS    runs of each command (default 3, at least 3); min/median/max are printed
#   --no-duckdb   skip DuckDB (bench/duckdb_reference.py)
#   --gz          also time `gzip -dc` and `rate` on a .gz of the same events
#   --hourly[=N]  also time `rate` on the same events split into N .zst files (default 744, a
#                 month of hourly files), passed as one folder
#   --limit=SIZE  also time `rate --memory-limit SIZE` on the same file (outputs compared)
# Data is generated once into bench/data (ignored by git) and reused. Needs scripts/setup
# (zstd, DuckDB's Python package); /usr/bin/time (GNU time) for wall time and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

duckdb=1 gz=0 hourly=0 limit=""
positional=()
for arg in "$@"; do
  case $arg in
    --no-duckdb) duckdb=0 ;;
    --gz) gz=1 ;;
    --hourly) hourly=744 ;;
    --hourly=*) hourly=${arg#--hourly=} ;;
    --limit=*) limit=${arg#--limit=} ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench/run.sh: unknown option $arg (see --help)" >&2; exit 1 ;;
    *) positional+=("$arg") ;;
  esac
done
events=${positional[0]:-1000000}
runs=${positional[1]:-3}
if ! [[ $events =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $hourly =~ ^[0-9]+$ ]]; then
  echo "bench/run.sh: EVENTS, RUNS and --hourly=N are positive integers" >&2; exit 1
fi
if [ "$runs" -lt 3 ]; then echo "bench/run.sh: RUNS must be at least 3 (medians)" >&2; exit 1; fi
if [ "$duckdb" = 1 ] && ! python3 -c "import duckdb" 2>/dev/null; then
  echo "bench/run.sh: DuckDB's Python package is missing: run scripts/setup or pass --no-duckdb" >&2
  exit 1
fi

data=bench/data
mkdir -p "$data"
file="$data/events-$events.ndjson.zst"
bench_events "$events" 10000 "$file"
customers="$data/customers-10000.ndjson"
bench_customers 10000 "$customers"
gzfile="$data/events-$events.ndjson.gz"
if [ "$gz" = 1 ] && [ ! -f "$gzfile" ]; then
  echo "compressing the same events with gzip -6…" >&2
  zstd -dc "$file" | gzip -6 > "$gzfile.tmp"
  mv "$gzfile.tmp" "$gzfile"
fi
hourdir="$data/events-$events-in-$hourly"
if [ "$hourly" -gt 0 ] && [ ! -d "$hourdir" ]; then
  # Consecutive slices of whole lines: the generator writes events roughly in time order, so
  # each slice is about one hour of the month.
  echo "splitting the same events into $hourly .zst files…" >&2
  rm -rf "$hourdir.tmp" && mkdir -p "$hourdir.tmp"
  zstd -dc "$file" > "$hourdir.tmp/all.ndjson"
  (cd "$hourdir.tmp" && split -n "l/$hourly" -d -a 4 --additional-suffix=.ndjson all.ndjson hour- \
    && rm all.ndjson && zstd -q -3 --rm hour-*.ndjson)
  mv "$hourdir.tmp" "$hourdir"
fi

bin=$(bench_build rate)
commit=$(bench_commit)
BENCH_LOGS="$data/logs-run" BENCH_RESULTS="$data/logs-run/results.tsv"
rm -rf "$BENCH_LOGS" && mkdir -p "$BENCH_LOGS"
: > "$BENCH_RESULTS"

rate() {  # label, run, inputs…
  local label=$1 run=$2; shift 2
  rm -rf "$data/out-$label"
  bench_measure "$label" "$run" "$bin/rate" --catalog bench/catalog.yaml --customers "$customers" \
    --period 2026-10 --output "$data/out-$label" "$@"
}
echo "commit $commit, $events events ($(du -h "$file" | cut -f1) .zst), $runs runs," \
  "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
for run in $(seq 1 "$runs"); do
  bench_measure zstd-dc "$run" zstd -dc "$file"
  rate rate "$run" "$file"
  if [ "$duckdb" = 1 ]; then
    bench_measure duckdb "$run" python3 bench/duckdb_reference.py "$file" "$customers" \
      "$data/duckdb-out.csv" "$(nproc)"
    # What the reference pays before reading a byte: starting Python and loading DuckDB.
    bench_measure duckdb-start "$run" python3 -c "import duckdb; duckdb.connect()"
  fi
  if [ "$gz" = 1 ]; then
    bench_measure gzip-dc "$run" gzip -dc "$gzfile"
    rate rate-gz "$run" "$gzfile"
  fi
  if [ "$hourly" -gt 0 ]; then rate "rate-$hourly-files" "$run" "$hourdir"; fi
  if [ -n "$limit" ]; then rate "rate-limit-$limit" "$run" --memory-limit "$limit" "$file"; fi
done
echo "commit $commit, load after $(cut -d' ' -f1-3 /proc/loadavg)"
bench_summary "rate / zstd -dc (target <= 2.5)=rate/zstd-dc" \
  "duckdb / rate (target >= 3)=duckdb/rate" \
  "rate .gz / gzip -dc=rate-gz/gzip-dc" "rate .gz / rate .zst=rate-gz/rate" \
  "rate $hourly files / rate 1 file=rate-$hourly-files/rate" \
  "rate --memory-limit $limit / rate=rate-limit-$limit/rate"
# The same events give the same usage and rated lines however they are compressed or split.
# Only the runs of this invocation are compared: an output folder left by an earlier run of
# another size would differ for no fault of rate's.
others=()
[ "$gz" = 1 ] && others+=(rate-gz)
[ "$hourly" -gt 0 ] && others+=("rate-$hourly-files")
[ -n "$limit" ] && others+=("rate-limit-$limit")
for other in "${others[@]}"; do
  if [ -d "$data/out-$other" ]; then
    files="usage.ndjson rated.ndjson"
    # Only a memory limit keeps the input's name, so only then can rejects be the same bytes.
    if [ "$other" = "rate-limit-$limit" ]; then files="$files rejects.ndjson"; fi
    for f in $files; do
      if cmp -s "$data/out-rate/$f" "$data/out-$other/$f"; then
        echo "$f: the same bytes from $other as from rate on one .zst"
      else
        echo "bench: $f differs between rate and $other" >&2
      fi
    done
  fi
done
