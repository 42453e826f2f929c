#!/usr/bin/env bash
# Times `invoice` (release) for many customers: the performance issue's figure is 100,000
# customers in under 15 s. Not a test: figures, not assertions.
#
# Usage: bench/invoice.sh [CUSTOMERS [RUNS [EVENTS]]]
#   CUSTOMERS  customers generated (default 100000), all on the bench plan from 2026-01-01;
#              every 4th with a 20 % tax, every 10th with a 10 % discount
#   RUNS       runs of `invoice` (default 3, at least 3); min/median/max are printed
#   EVENTS     usage lines generated for them (default 1000000, seed 42, October 2026)
# The catalog is bench/catalog.yaml plus `included_credits: "10.00"`, so every customer gets a
# grant, an apply and an expiry; every 5th customer also has an opening promotional grant and
# every 3rd a purchased grant, so wallets and journals do work. `rate` runs once (untimed) to
# make the rated folder. Data goes to bench/data/invoice-CUSTOMERS (ignored by git).
# BENCH_EINVOICES=1: the catalog also has a complete `seller` and payment terms, and every
# customer an address, so every invoice gets its UBL e-invoice (`--ubl auto`); data goes to
# bench/data/invoice-einvoices-CUSTOMERS. Without it no invoice has one (no seller).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0
fi
customers=${1:-100000}
runs=${2:-3}
events=${3:-1000000}
if ! [[ $customers =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $events =~ ^[1-9][0-9]*$ ]]; then
  echo "bench/invoice.sh: CUSTOMERS, RUNS and EVENTS are positive integers" >&2
  exit 1
fi
if [ "$runs" -lt 3 ]; then echo "bench/invoice.sh: RUNS must be at least 3" >&2; exit 1; fi

einvoices=${BENCH_EINVOICES:-0}
dir="bench/data/invoice-$customers"
[ "$einvoices" = 1 ] && dir="bench/data/invoice-einvoices-$customers"
mkdir -p "$dir"
if [ ! -f "$dir/catalog.yaml" ]; then
  # The last lines of bench/catalog.yaml belong to plan `bench`; a key at 4 spaces joins them.
  { cat bench/catalog.yaml; echo '    included_credits: "10.00"'
    if [ "$einvoices" = 1 ]; then
      echo 'payment_terms_days: 14'
      echo 'seller:'
      echo '  name: "Bench Seller Ltd"'
      echo '  address: { street: "1 Main St", city: "Dublin", postal_code: "D01", country: IE }'
      echo '  tax_id: "IE1234567T"'
      echo '  bank: { iban: "IE29 AIBK 9311 5212 3456 78", bic: AIBKIE2D }'
    fi; } > "$dir/catalog.yaml"
fi
if [ ! -f "$dir/customers.ndjson" ]; then
  echo "generating $customers customers, opening wallets and grants…" >&2
  python3 - "$customers" "$dir" "$einvoices" <<'PY'
import json, sys
n, folder, einvoices = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
def line(obj):
    return json.dumps(obj, separators=(",", ":")) + "\n"
with open(f"{folder}/customers.ndjson.tmp", "w") as customers, \
        open(f"{folder}/wallets.ndjson", "w") as wallets, \
        open(f"{folder}/grants.ndjson", "w") as grants:
    for i in range(1, n + 1):
        c = {"id": f"cus_{i}", "name": f"Customer {i}"}
        if einvoices:
            c["address"] = {"street": f"{i} High St", "city": "Berlin", "postal_code": "10115",
                            "country": "DE"}
        if i % 4 == 0:
            c["tax"] = {"name": "VAT", "rate": "0.20"}
        if i % 10 == 0:
            c["discounts"] = [{"key": "loyal", "percent": "10", "until": "2026-12-31"}]
        c["subscriptions"] = [{"plan": "bench", "start": "2026-01-01"}]
        customers.write(line(c))
        if i % 5 == 0:
            wallets.write(line({"customer": f"cus_{i}", "currency": "USD", "grant": f"promo_{i}",
                                "source": "promotional", "priority": 0,
                                "ts": "2026-09-01T00:00:00Z", "expires": "2026-12-31T00:00:00Z",
                                "amount": "30.00", "remaining": "30.00"}))
        if i % 3 == 0:
            grants.write(line({"id": f"buy_{i}", "customer": f"cus_{i}",
                               "ts": "2026-10-05T12:00:00Z", "amount": "25.00",
                               "currency": "USD", "expires": None, "source": "purchase"}))
PY
  mv "$dir/customers.ndjson.tmp" "$dir/customers.ndjson"
fi
file="$dir/events-$events.ndjson.zst"
bench_events "$events" "$customers" "$file"

bench_build rate > /dev/null
bin=$(bench_build invoice)
commit=$(bench_commit)
BENCH_LOGS="$dir/logs" BENCH_RESULTS="$dir/logs/results.tsv"
rm -rf "$BENCH_LOGS" && mkdir -p "$BENCH_LOGS"
: > "$BENCH_RESULTS"

rm -rf "$dir/out-rate" "$dir"/out-invoice "$dir"/out-invoice-*
echo "rating $events events (untimed)…" >&2
"$bin/rate" --catalog "$dir/catalog.yaml" --customers "$dir/customers.ndjson" --period 2026-10 \
  --output "$dir/out-rate" "$file" 2> "$BENCH_LOGS/rate.stderr" \
  || { tail -n 20 "$BENCH_LOGS/rate.stderr" >&2; exit 1; }
echo "commit $commit, $customers customers, $events events, $runs runs, $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
# Each run writes a folder of its own, and the previous outputs are deleted before rating,
# not right before a run: on ext4 without a journal (this machine), creating files within a
# minute or so of deleting 200,000 makes the inode allocator skip every recently deleted inode
# (`recently_deleted` in the kernel), which would time the file system's bookkeeping of the
# last run rather than this one. A nightly job never deletes its previous output just before.
for run in $(seq 1 "$runs"); do
  bench_measure invoice "$run" "$bin/invoice" --catalog "$dir/catalog.yaml" \
    --customers "$dir/customers.ndjson" --period 2026-10 --rated "$dir/out-rate" \
    --wallets "$dir/wallets.ndjson" --grants "$dir/grants.ndjson" \
    --output "$dir/out-invoice-$run"
done
echo "commit $commit, load after $(cut -d' ' -f1-3 /proc/loadavg)"
bench_summary
out="$dir/out-invoice-$runs"
echo "outputs: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1);" \
  "$(wc -l < "$out/wallet-transactions.ndjson") wallet transactions," \
  "$(wc -l < "$out/wallets.ndjson") open grants," \
  "$(find "$out/invoices" -name '*.xml' | wc -l) e-invoices"
