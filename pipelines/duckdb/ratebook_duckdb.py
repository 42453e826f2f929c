#!/usr/bin/env python3
"""Loads a Ratebook run into DuckDB, queries it, exports it to Parquet.

Runs the SQL of pipelines/duckdb/ through the `duckdb` Python package (scripts/setup installs
it), so no DuckDB command-line binary is needed.

  ratebook_duckdb.py load DATABASE OUT_INVOICE      typed tables (load.sql) into DATABASE
  ratebook_duckdb.py query DATABASE SQL             prints the result as CSV with a header
  ratebook_duckdb.py export DATABASE FOLDER         one Parquet file per table into FOLDER
"""
import csv
import os
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = ["invoices", "invoice_lines", "journal", "wallets", "wallet_transactions"]


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def load(database, invoice):
    for name in ["manifest.json", "invoices.csv", "invoice-lines.csv", "journal.csv"]:
        if not os.path.isfile(os.path.join(invoice, name)):
            sys.exit(f"ratebook_duckdb.py: {invoice} is not an invoice output folder "
                     f"(no {name}); give the folder invoice --output wrote")
    connection = duckdb.connect(database)
    connection.execute(f"SET VARIABLE invoice = {literal(os.path.abspath(invoice))}")
    with open(os.path.join(HERE, "load.sql"), encoding="utf-8") as sql:
        connection.execute(sql.read())
    counts = [f"{table} {connection.execute(f'SELECT count(*) FROM {table}').fetchall()[0][0]}"
              for table in TABLES]
    print(f"loaded {invoice} into {database}: " + ", ".join(counts))


def query(database, sql):
    connection = duckdb.connect(database, read_only=True)
    cursor = connection.execute(sql)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([column[0] for column in cursor.description])
    for row in cursor.fetchall():
        writer.writerow(["" if value is None else value for value in row])


def export(database, folder):
    os.makedirs(folder, exist_ok=True)
    connection = duckdb.connect(database, read_only=True)
    for table in TABLES:
        target = os.path.join(folder, table + ".parquet")
        connection.execute(f"COPY {table} TO {literal(target)} (FORMAT parquet)")
        print(target)


def main(argv):
    commands = {"load": load, "query": query, "export": export}
    if len(argv) != 4 or argv[1] not in commands:
        sys.exit(__doc__.strip())
    commands[argv[1]](argv[2], argv[3])


if __name__ == "__main__":
    main(sys.argv)
