#!/usr/bin/env python3
"""The reference a user would pick: DuckDB aggregating the same events file.

Reads the NDJSON (zstd), drops exact duplicate (customer, id) rows, keeps in-period events and
aggregates per customer, meter and the dimension each charge groups by. It does less than
`rate` (no per-line validation reasons, no conflicts, no pricing), so the ratio favours DuckDB.
"""
import sys
import time

import duckdb

path, threads = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2
start = time.perf_counter()
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
rows = con.execute(f"""
    WITH raw AS (
        SELECT * FROM read_json('{path}', format = 'newline_delimited',
            columns = {{id: 'VARCHAR', customer: 'VARCHAR', meter: 'VARCHAR', ts: 'VARCHAR',
                        quantity: 'VARCHAR', dims: 'MAP(VARCHAR, VARCHAR)'}},
            ignore_errors = true)
    ), events AS (
        SELECT DISTINCT ON (customer, id) customer, meter, ts::TIMESTAMPTZ AS ts,
               quantity::DECIMAL(38, 9) AS quantity, dims
        FROM raw
        WHERE id IS NOT NULL AND try_cast(ts AS TIMESTAMPTZ) IS NOT NULL
          AND try_cast(quantity AS DECIMAL(38, 9)) >= 0
    )
    SELECT customer, meter,
           coalesce(dims['region'], dims['model'], dims['gpu'], '') AS grp,
           count(*) AS events, sum(quantity) AS total, max(quantity) AS peak
    FROM events
    WHERE ts >= TIMESTAMPTZ '2026-10-01 00:00:00+00' AND ts < TIMESTAMPTZ '2026-11-01 00:00:00+00'
    GROUP BY ALL ORDER BY ALL
""").fetchall()
print(f"duckdb rows={len(rows)} seconds={time.perf_counter() - start:.3f}", file=sys.stderr)
