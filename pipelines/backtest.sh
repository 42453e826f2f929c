#!/usr/bin/env bash
# A price backtest: the same events and customers billed with the current catalog and with a
# candidate one, then `invoice diff` customer by customer (what changes for whom, exactly).
# Offline and exact; nothing is issued. Runs go to WORK/current and WORK/candidate.
#
# Usage: pipelines/backtest.sh --catalog CURRENT.yaml --candidate NEW.yaml \
#          --customers CUSTOMERS --period YYYY-MM --work WORK \
#          [--wallets W.ndjson] [--grants G.ndjson]... [--format text|json] EVENTS...
# Exit: 0 no customer's invoice changes, 1 some do (the report says which), otherwise the
# exit code of the stage that failed (SPEC §10), its message on standard error.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
catalog="" candidate="" customers="" period="" work="" wallets="" format=text
grants=()
while [ $# -gt 0 ]; do
  case "$1" in
    --catalog) catalog=$2; shift 2 ;;
    --candidate) candidate=$2; shift 2 ;;
    --customers) customers=$2; shift 2 ;;
    --period) period=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --wallets) wallets=$2; shift 2 ;;
    --grants) grants+=(--grants "$2"); shift 2 ;;
    --format) format=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    -*) usage >&2; die "unknown option $1" ;;
    *) break ;;
  esac
done
[ -n "$catalog" ] && [ -n "$candidate" ] && [ -n "$customers" ] && [ -n "$period" ] \
  && [ -n "$work" ] && [ $# -gt 0 ] || { usage >&2; die "missing arguments"; }
bin=$(ratebook_bin)
mkdir -p "$work"
for side in current candidate; do
  if [ $side = current ]; then use=$catalog; else use=$candidate; fi
  "$bin/rate" --catalog "$use" --customers "$customers" --period "$period" \
    --output "$work/$side-rate" "$@" || exit $?
  opening=()
  if [ -n "$wallets" ]; then opening=(--wallets "$wallets"); fi
  "$bin/invoice" --catalog "$use" --customers "$customers" --period "$period" \
    --rated "$work/$side-rate" "${opening[@]}" "${grants[@]}" \
    --output "$work/$side-invoice" || exit $?
done
"$bin/invoice" diff --format "$format" "$work/current-invoice" "$work/candidate-invoice"
