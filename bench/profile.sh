#!/usr/bin/env bash
# Profiles `rate` (the release build) under valgrind's callgrind, which counts executed
# instructions: repeatable on a busy machine where wall times are not. Prints the total and the
# top functions by self and by inclusive instruction count, names demangled.
#
# Usage: bench/profile.sh [EVENTS [TOP]]
#   EVENTS  lines generated (default 100000, seed 42, October 2026, 10,000 customers)
#   TOP     functions listed per table (default 25)
# The profile stays in bench/data/profile/callgrind.out for `callgrind_annotate` or KCachegrind.
# Needs valgrind (installed with apt when missing). Callgrind runs about 50x slower than native:
# 100,000 events take about 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0
fi
events=${1:-100000}
top=${2:-25}
if ! [[ $events =~ ^[1-9][0-9]*$ && $top =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/profile.sh: EVENTS and TOP are positive integers" >&2; exit 1
fi
if ! command -v valgrind > /dev/null || ! command -v callgrind_annotate > /dev/null; then
  echo "bench/profile.sh: installing valgrind (apt)…" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq valgrind > /dev/null
fi

data=bench/data
file="$data/events-$events.ndjson.zst"
bench_events "$events" 10000 "$file"
customers="$data/customers-10000.ndjson"
bench_customers 10000 "$customers"
# The default release build passes -g already (see `swift build -c release -v`), so the binary
# run.sh times is the one profiled; `-Xswiftc -g` would only force a second full build. Valgrind
# 3.19 (Debian 12) cannot read the DWARF 5 that Swift 6.3 writes ("unhandled dwarf2 abbrev form
# code 0x25", then it gives up), so callgrind runs a copy without debug sections: function names
# come from the symbol table, which is all a per-function profile needs (no source lines).
bin=$(bench_build rate)
commit=$(bench_commit)
prof="$data/profile"
rm -rf "$prof" && mkdir -p "$prof"
objcopy --strip-debug "$bin/rate" "$prof/rate"
echo "commit $commit: callgrind on rate, $events events ($(date -u +%FT%TZ))…" >&2
valgrind --tool=callgrind --callgrind-out-file="$prof/callgrind.out" \
  "$prof/rate" --catalog bench/catalog.yaml --customers "$customers" --period 2026-10 \
  --output "$prof/out" "$file" 2> "$prof/valgrind.log" \
  || { tail -n 20 "$prof/valgrind.log" >&2; exit 1; }

# Swift symbols are mangled in the profile: `swift demangle --simplified` rewrites them in place.
annotate() {  # callgrind_annotate options…
  callgrind_annotate --auto=no --threshold=100 "$@" "$prof/callgrind.out" \
    | swift demangle --simplified
}
annotate > "$prof/self.txt"
annotate --inclusive=yes > "$prof/inclusive.txt"
total=$(grep -m1 -E '^ *[0-9,]+ .*PROGRAM TOTALS' "$prof/self.txt" | awk '{print $1}')
echo "commit $commit, $events events: $total instructions" \
  "($(python3 -c "print(round(int('$total'.replace(',', '')) / $events))") per line)"
table() {  # title, file
  echo; echo "$1"
  # Rows are "count (percent)  file:function [object]"; keep the object's base name only.
  grep -E '^ *[0-9,]+ +\( *[0-9.]+%\) ' "$2" | grep -v 'PROGRAM TOTALS' | sed -n "1,${top}p" \
    | sed -E -e 's#\[/[^]]*/([^]/]+)\]$#[\1]#' -e 's#\?\?\?:##' | cut -c1-160
}
table "top $top functions by self instructions (Ir)" "$prof/self.txt"
table "top $top functions by inclusive instructions (Ir)" "$prof/inclusive.txt"
