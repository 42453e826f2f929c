#!/usr/bin/env bash
# Writes every table of a database made by load.sh to FOLDER/<table>.parquet through DuckDB
# (types kept: DECIMAL(38,12) money, MAP groups).
#
# Usage: pipelines/duckdb/export-parquet.sh DATABASE FOLDER
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }
exec python3 "$(dirname "$0")/ratebook_duckdb.py" export "$1" "$2"
