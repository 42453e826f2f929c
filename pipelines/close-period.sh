#!/usr/bin/env bash
# Closes a period: a run of both stages exactly as nightly.sh makes one, whose invoices are
# then finalized into the issued store (SPEC §9) and the store's period verified. Run it again
# after a fix to a closed period (late events, a corrected catalog): the issued invoices stay
# as they are, the run writes credit notes and supplementary invoices for what changed, and
# finalizing adds those to the store's history; with nothing changed it adds nothing.
#
# Usage: pipelines/close-period.sh --root ROOT --issued STORE --period YYYY-MM \
#          --catalog CATALOG --customers CUSTOMERS [nightly.sh options] EVENTS...
# Exit: 0 closed, 5 when ROOT or STORE is locked by another run, else the failing stage's code
# (SPEC §10); 3 also when the store's period does not verify.
set -euo pipefail
. "$(dirname "$0")/common.sh"

store="" period=""
arguments=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --issued) store=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    --finalize) die "close-period.sh finalizes by itself; leave out --finalize" ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) shift ;;
  esac
done
[ -n "$store" ] && [ -n "$period" ] \
  || die "--issued STORE and --period YYYY-MM are required: closing names its period" 1

# One closing run at a time per store, whatever ROOT the runs write to.
mkdir -p "$store"
exec 8>"$store/.close.lock"
flock -n 8 || die "$store is locked: another close-period run is finalizing into it" 5

"$(dirname "$0")/nightly.sh" --finalize "${arguments[@]}"
echo "close-period: $period finalized into $store"
