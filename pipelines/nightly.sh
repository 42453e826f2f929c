#!/usr/bin/env bash
# The nightly cron job: a month-to-date run of both stages into a dated folder under ROOT,
# both folders verified, then the `latest` links swapped atomically. Stops on the first failure
# with that stage's exit code (SPEC §10); `latest` then still names the last good run.
#
# Usage: pipelines/nightly.sh --root ROOT --catalog CATALOG --customers CUSTOMERS \
#          [--period YYYY-MM] [--run-id ID] [--wallets W.ndjson] [--grants G.ndjson]... \
#          [--as-of YYYY-MM-DD] [--max-reject-rate R] [--issued STORE [--finalize]] \
#          [--gauges OPENING.ndjson] [--resolutions RESOLUTIONS.ndjson] EVENTS...
#   --period   default: the month of yesterday (UTC), so the run just after midnight on the 1st
#              completes the month that ended
#   --run-id   default: the UTC time, YYYY-MM-DDTHHMMSSZ
#   --issued   the issued store: a finalized period's invoices stay as issued and a changed
#              result is written as corrections (SPEC §9); --finalize adds the run to the store
#   --gauges   the opening gauge levels (SPEC §13.3). Default: the previous period's
#              ROOT/<previous period>/latest/rate/gauges.ndjson when it exists, so each period
#              starts where the last one ended
#   --resolutions  the operator's decisions about event keys (SPEC §13.4), passed to rate
# Layout: ROOT/<period>/<run-id>/{rate,invoice}, ROOT/<period>/latest -> <run-id>,
#         ROOT/latest -> <period>/<run-id> of the newest period run. One run at a time per ROOT
#         (exit 5 when locked).
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }
root="" catalog="" customers="" period="" run_id="" as_of="" max_reject="" issued="" finalize=0
invoice_inputs=() rate_options=() gauges=""
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --catalog) catalog=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    --run-id) run_id=$2; shift 2 ;;
    --wallets) invoice_inputs+=(--wallets "$2"); shift 2 ;;
    --grants) invoice_inputs+=(--grants "$2"); shift 2 ;;
    --as-of) as_of=$2; shift 2 ;;
    --max-reject-rate) max_reject=$2; shift 2 ;;
    --gauges) gauges=$2; shift 2 ;;
    --resolutions) rate_options+=(--resolutions "$2"); shift 2 ;;
    --issued) issued=$2; invoice_inputs+=(--issued "$2"); shift 2 ;;
    --finalize) finalize=1; invoice_inputs+=(--finalize); shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) break ;;
  esac
done
[ -n "$root" ] && [ -n "$catalog" ] && [ -n "$customers" ] && [ $# -gt 0 ] \
  || { usage >&2; die "missing arguments: --root, --catalog, --customers and EVENTS"; }
[ -n "$period" ] || period=$(date -u -d yesterday +%Y-%m)
[ -n "$run_id" ] || run_id=$(date -u +%Y-%m-%dT%H%M%SZ)
[[ $run_id =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--run-id: letters, digits, . _ - only"
bin=$(ratebook_bin)

mkdir -p "$root/$period"
exec 9>"$root/.pipeline.lock"
flock -n 9 || die "$root is locked: another pipeline run is writing it" 5

run="$root/$period/$run_id"
mkdir -p "$run"
# (A --period that is not a month has no previous one here; rate then names the mistake.)
previous_period=$(date -u -d "$period-01 -1 month" +%Y-%m 2>/dev/null || true)
if [ -z "$gauges" ] && [ -n "$previous_period" ]; then
  carried="$root/$previous_period/latest/rate/gauges.ndjson"
  if [ -f "$carried" ]; then
    gauges=$carried
    echo "nightly: opening gauge levels from $carried"
  fi
fi
[ -z "$gauges" ] || rate_options+=(--gauges "$gauges")
[ -z "$max_reject" ] || rate_options+=(--max-reject-rate "$max_reject")
invoice_options=()
[ -z "$as_of" ] || invoice_options+=(--as-of "$as_of")

status=0
"$bin/rate" --catalog "$catalog" --customers "$customers" --period "$period" \
  --output "$run/rate" "${rate_options[@]}" "$@" || status=$?
[ $status -eq 0 ] || die "rate failed (exit $status); latest is unchanged" $status
"$bin/invoice" --catalog "$catalog" --customers "$customers" --period "$period" \
  --rated "$run/rate" "${invoice_inputs[@]}" "${invoice_options[@]}" \
  --output "$run/invoice" || status=$?
[ $status -eq 0 ] || die "invoice failed (exit $status); latest is unchanged" $status
"$bin/rate" verify "$run/rate" || die "rate verify failed; latest is unchanged" 3
"$bin/invoice" verify --builds-on "$run/rate" "$run/invoice" \
  || die "invoice verify failed; latest is unchanged" 3
if [ $finalize -eq 1 ]; then
  "$bin/invoice" verify "$issued/$period" || die "the issued store's $period failed verify" 3
fi

# A symlink renamed over another replaces it in one step (rename(2)); readers see the old
# run or the new one, never neither.
swap_link() {
  ln -sfn "$1" "$2.new"
  mv -T "$2.new" "$2"
}
swap_link "$run_id" "$root/$period/latest"
# ROOT/latest is the newest run of the newest period: re-running an older period moves only
# that period's link.
current=$(readlink "$root/latest" 2>/dev/null || true)
if [ -z "$current" ] || [[ ! "${current%%/*}" > "$period" ]]; then
  swap_link "$period/$run_id" "$root/latest"
fi
echo "nightly: $run (period $period) done; $period/latest -> $run_id"
