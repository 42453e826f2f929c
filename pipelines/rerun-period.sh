#!/usr/bin/env bash
# Re-runs a period after a fix (late events, a corrected catalog or customers file) into a new
# run folder beside the earlier ones, then prints `invoice diff` from the period's previous
# latest run to this one: what the fix changed, customer by customer. Nothing is overwritten;
# the period's `latest` moves to the new run.
#
# Usage: pipelines/rerun-period.sh --root ROOT --period YYYY-MM --catalog CATALOG \
#          --customers CUSTOMERS [nightly.sh options] EVENTS...
# Exit: 0 done (whether or not anything changed), else the failing stage's code (SPEC §10).
set -euo pipefail
. "$(dirname "$0")/common.sh"

root="" period=""
arguments=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) shift ;;
  esac
done
[ -n "$root" ] && [ -n "$period" ] || die "--root and --period are required"
previous=$(readlink "$root/$period/latest" 2>/dev/null || true)
"$(dirname "$0")/nightly.sh" "${arguments[@]}"
now=$(readlink "$root/$period/latest")
if [ -z "$previous" ]; then
  echo "rerun-period: no earlier run of $period under $root to compare with"
  exit 0
fi
status=0
"$(ratebook_bin)/invoice" diff "$root/$period/$previous/invoice" "$root/$period/$now/invoice" \
  || status=$?
# diff exits 1 when the runs differ: that is the report, not a failure.
[ $status -le 1 ] || exit $status
