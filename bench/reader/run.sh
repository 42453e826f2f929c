#!/usr/bin/env bash
# InputReader alone (read + SHA-256 + decompress + split lines), on the caller's thread
# (decodingThreads 0: the reader before issue 9) against 2 decoding threads, with an empty line
# callback ("none") and with FNV-1a over each line ("fnv", about the event parser's cost per
# line), beside `zstd -dc` and `gzip -dc`: on one .zst, its gzip copy, and the same events as
# 744 hourly .zst files. Interleaved runs; medians and ratios as bench/run.sh prints them.
# Usage: bench/reader/run.sh [EVENTS [RUNS]] (default 1000000 3). Reads the data bench/run.sh
# makes (`bench/run.sh --gz --hourly EVENTS` makes all three) from bench/data, or $BENCH_DATA.
set -euo pipefail
cd "$(dirname "$0")/../.."
. bench/common.sh
events=${1:-1000000}
runs=${2:-3}
data=${BENCH_DATA:-bench/data}
zst=$data/events-$events.ndjson.zst gz=$data/events-$events.ndjson.gz
hours=$data/events-$events-in-744
for input in "$zst" "$gz" "$hours"; do
  [ -e "$input" ] || { echo "missing $input: run bench/run.sh --gz --hourly $events" >&2; exit 1; }
done
(cd bench/reader && swift build -c release >&2)
bin=$(cd bench/reader && swift build -c release --show-bin-path)/readbench
commit=$(bench_commit)
BENCH_LOGS="$data/logs-reader" BENCH_RESULTS="$data/logs-reader/results.tsv"
rm -rf "$BENCH_LOGS" && mkdir -p "$BENCH_LOGS"
: > "$BENCH_RESULTS"
for run in $(seq "$runs"); do
  bench_measure zstd-dc "$run" zstd -dc "$zst"
  for threads in 0 2; do
    bench_measure "read$threads" "$run" "$bin" "$threads" none "$zst"
    bench_measure "read$threads-fnv" "$run" "$bin" "$threads" fnv "$zst"
  done
  bench_measure gzip-dc "$run" gzip -dc "$gz"
  bench_measure read0-gz "$run" "$bin" 0 none "$gz"
  bench_measure read2-gz "$run" "$bin" 2 none "$gz"
  bench_measure zstd-dc-744 "$run" sh -c 'zstd -dc "$0"/*' "$hours"
  bench_measure read0-744 "$run" "$bin" 0 none "$hours"
  bench_measure read2-744 "$run" "$bin" 2 none "$hours"
  bench_measure read2-744-fnv "$run" "$bin" 2 fnv "$hours"
done
echo "commit $commit, load after $(cut -d' ' -f1-3 /proc/loadavg)"
bench_summary "read (0 threads) / zstd -dc=read0/zstd-dc" \
  "read (2 threads) / zstd -dc=read2/zstd-dc" \
  "read+fnv 2 threads / 0 threads=read2-fnv/read0-fnv" \
  "read+fnv (2 threads) / zstd -dc=read2-fnv/zstd-dc" \
  "read .gz (2 threads) / gzip -dc=read2-gz/gzip-dc" \
  "read .gz 2 threads / 0 threads=read2-gz/read0-gz" \
  "744 files / 1 file (2 threads)=read2-744/read2" \
  "744 files: 2 threads / 0=read2-744/read0-744" \
  "744 files +fnv / 1 file +fnv=read2-744-fnv/read2-fnv"
grep -h "lines" "$BENCH_LOGS"/*-1.stderr | sort | uniq -c | head -20
