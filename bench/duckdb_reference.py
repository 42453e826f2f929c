#!/usr/bin/env python3
"""The reference a user would pick: DuckDB doing the closest job it can to `rate` on the same file.

Usage: duckdb_reference.py EVENTS.ndjson.zst CUSTOMERS.ndjson OUT.csv [THREADS]

Reads the NDJSON (zstd) with a fixed schema, drops the lines DuckDB cannot parse, validates the
fields as SPEC §2 states them (id and customer 1-256 bytes, a catalog meter, a known customer, an
RFC 3339 timestamp with offset, a quantity of at most 20 integer and 9 fractional digits, not
negative), dedupes on (customer, id) as SPEC §3 does (identical copies count once; copies that
differ are all dropped, as `rate` rejects a conflict), then sums exactly (DECIMAL(38, 9)) per
customer, meter, UTC month and the dimension the bench catalog groups that meter by, and writes
the groups to OUT.csv. bench/README.md lists what it does not do compared with `rate`.
"""
import sys
import time

import duckdb

# The meters of bench/catalog.yaml and the dimension each meter's charge groups by.
METERS = ["api_calls", "tokens_in", "tokens_out", "storage_gb_hours", "gpu_seconds", "seats"]
GROUP_BY = {"api_calls": "region", "tokens_in": "model", "gpu_seconds": "gpu"}
# SPEC §2: RFC 3339 with an offset and 0-9 fractional digits; a plain decimal, 20.9 digits at most.
RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)"
QUANTITY = r"\d{1,20}(\.\d{1,9})?"


def sql_string(text):
    """A SQL string literal (the paths and names here are ours, quoted anyway)."""
    return "'" + text.replace("'", "''") + "'"


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split("\n\n")[1])
    events, customers, out = sys.argv[1:4]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    meters = ", ".join(sql_string(m) for m in METERS)
    group = " ".join(f"WHEN {sql_string(m)} THEN dims[{sql_string(d)}]"
                     for m, d in GROUP_BY.items())
    con.execute(f"""
        COPY (
        WITH raw AS (
            SELECT * FROM read_json({sql_string(events)}, format = 'newline_delimited',
                columns = {{id: 'VARCHAR', customer: 'VARCHAR', meter: 'VARCHAR', ts: 'VARCHAR',
                            quantity: 'VARCHAR', dims: 'MAP(VARCHAR, VARCHAR)'}},
                ignore_errors = true)
        ), known AS (
            SELECT id FROM read_json({sql_string(customers)}, format = 'newline_delimited',
                columns = {{id: 'VARCHAR'}})
        ), valid AS (
            SELECT customer, id, meter, ts::TIMESTAMPTZ AS ts,
                   quantity::DECIMAL(38, 9) AS quantity,
                   coalesce(CASE meter {group} END, '') AS grp,
                   coalesce(dims::VARCHAR, '') AS dims
            FROM raw
            WHERE strlen(id) BETWEEN 1 AND 256 AND strlen(customer) BETWEEN 1 AND 256
              AND meter IN ({meters})
              AND regexp_full_match(ts, {sql_string(RFC3339)})
              AND try_cast(ts AS TIMESTAMPTZ) IS NOT NULL
              AND regexp_full_match(quantity, {sql_string(QUANTITY)})
              AND customer IN (SELECT id FROM known)
        ), admitted AS (
            SELECT customer, id, any_value(meter) AS meter, any_value(ts) AS ts,
                   any_value(quantity) AS quantity, any_value(grp) AS grp
            FROM valid
            GROUP BY customer, id
            HAVING min(meter) = max(meter) AND min(ts) = max(ts)
               AND min(quantity) = max(quantity) AND min(dims) = max(dims)
        )
        SELECT customer, meter, strftime(date_trunc('month', ts), '%Y-%m') AS month, grp,
               count(*) AS events,
               CASE meter WHEN 'api_calls' THEN count(*)::DECIMAL(38, 9)
                          WHEN 'seats' THEN max(quantity)
                          ELSE sum(quantity) END AS quantity
        FROM admitted
        GROUP BY customer, meter, month, grp
        ORDER BY customer, meter, month, grp
        ) TO {sql_string(out)} (HEADER)
    """)
    groups, admitted = con.execute(
        f"SELECT count(*), sum(events) FROM read_csv({sql_string(out)})").fetchone()
    print(f"duckdb groups={groups} events={admitted} seconds={time.perf_counter() - start:.3f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
