# Shared by bench/run.sh, bench/invoice.sh and bench/profile.sh (sourced, not run): generated
# data, the release build, timing, the summary and the commit measured. Run from the root.

# The commit measured: short hash, with -dirty when tracked or untracked (not ignored) files differ.
bench_commit() {
  local c
  c=$(git rev-parse --short HEAD)
  if [ -n "$(git status --porcelain)" ]; then c="$c-dirty"; fi
  echo "$c"
}

# Generates EVENTS seeded lines for October 2026 over CUSTOMERS ids into FILE (.zst), once.
bench_events() {  # events, customers, file
  if [ -f "$3" ]; then return; fi
  echo "generating $1 events for $2 customers…" >&2
  mkdir -p "$(dirname "$3")"
  python3 ../shared/bench/gen_events.py --events "$1" --customers "$2" --seed 42 \
    --month 2026-10 --jobs 2 | zstd -q -3 -T2 > "$3.tmp"
  mv "$3.tmp" "$3"
}

# Writes customers cus_1…cus_N, all on the bench plan from 2026-01-01, to FILE (NDJSON), once.
bench_customers() {  # count, file
  if [ -f "$2" ]; then return; fi
  local plan='"subscriptions":[{"plan":"bench","start":"2026-01-01"}]'
  seq 1 "$1" | awk -v plan="$plan" '{ printf "{\"id\":\"cus_%d\",%s}\n", $1, plan }' > "$2.tmp"
  mv "$2.tmp" "$2"
}

# Builds one product in release (SwiftPM's release build already carries DWARF, -g) and prints
# the folder holding the binaries.
bench_build() {  # product
  swift build -c release --product "$1" >&2
  swift build -c release --show-bin-path
}

# Runs a command under /usr/bin/time -v and appends "label run wall rss_kib user sys" to the
# results file $BENCH_RESULTS. Output goes to /dev/null, standard error to a log kept in
# $BENCH_LOGS; a non-zero exit stops the benchmark (a failing command has no meaningful time).
bench_measure() {  # label, run, command…
  local label=$1 run=$2; shift 2
  local tv="$BENCH_LOGS/$label-$run.time" err="$BENCH_LOGS/$label-$run.stderr"
  if ! /usr/bin/time -v -o "$tv" "$@" > /dev/null 2> "$err"; then
    echo "bench: $label (run $run) failed: $*" >&2
    tail -n 20 "$err" "$tv" >&2
    exit 1
  fi
  python3 - "$tv" "$label" "$run" >> "$BENCH_RESULTS" <<'PY'
import sys
path, label, run = sys.argv[1:]
fields = {}
for line in open(path):
    key, _, value = line.strip().rpartition(": ")
    fields[key] = value
wall = 0.0
for part in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
    wall = wall * 60 + float(part)
print(label, run, f"{wall:.2f}", fields["Maximum resident set size (kbytes)"],
      fields["User time (seconds)"], fields["System time (seconds)"], sep="\t")
PY
  tail -n 1 "$BENCH_RESULTS" \
    | awk -F'\t' '{ printf "  run %s %-14s %7.2f s %6d MiB\n", $2, $1, $3, $4 / 1024 }' >&2
}

# Prints per label min/median/max wall seconds, median CPU (user+sys) and peak RSS, then each
# ratio given as "name=numerator/denominator": of median wall times and of median CPU times (on
# a busy machine the CPU ratio moves less; for DuckDB it hides the second thread's help).
bench_summary() {  # ratio specs…
  python3 - "$BENCH_RESULTS" "$@" <<'PY'
import statistics, sys
path, specs = sys.argv[1], sys.argv[2:]
rows = {}
for line in open(path):
    label, run, wall, rss, user, system = line.rstrip("\n").split("\t")
    rows.setdefault(label, []).append((float(wall), int(rss), float(user) + float(system)))
print(f"{'command':<14} {'runs':>4} {'min s':>7} {'median s':>9} {'max s':>7} "
      f"{'cpu s (med)':>11} {'peak RSS MiB (max)':>18}")
median, cpu = {}, {}
for label, rs in rows.items():
    walls = [r[0] for r in rs]
    median[label] = statistics.median(walls)
    cpu[label] = statistics.median(r[2] for r in rs)
    print(f"{label:<14} {len(rs):>4} {min(walls):>7.2f} {median[label]:>9.2f} {max(walls):>7.2f} "
          f"{cpu[label]:>11.2f} {max(r[1] for r in rs) / 1024:>18.0f}")
for spec in specs:
    name, _, pair = spec.rpartition("=")
    a, _, b = pair.partition("/")
    if a in median and b in median and median[b] > 0 and cpu[b] > 0:
        print(f"{name:<34} wall {median[a] / median[b]:6.2f}x  cpu {cpu[a] / cpu[b]:6.2f}x"
              f"  ({a} / {b}, medians)")
PY
}
