#!/usr/bin/env bash
# Loads an invoice run's outputs into a DuckDB database file as typed tables (load.sql):
# invoices, invoice_lines, journal, wallets, wallet_transactions, and the view receivables.
# Money is DECIMAL(38,12), never DOUBLE; a group is a MAP.
#
# Usage: pipelines/duckdb/load.sh DATABASE OUT_INVOICE
#   then: python3 pipelines/duckdb/ratebook_duckdb.py query DATABASE "SELECT …"
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }
exec python3 "$(dirname "$0")/ratebook_duckdb.py" load "$1" "$2"
