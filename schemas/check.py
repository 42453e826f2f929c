#!/usr/bin/env python3
"""Checks Ratebook output folders against the schemas in this folder.

Usage: schemas/check.py FOLDER...   (rate or invoice output folders, or issued store periods)

Every NDJSON line and JSON document is validated against its JSON Schema (draft 2020-12, the
`jsonschema` package that scripts/setup installs); every CSV against its column list: the
header exactly, then each value against its type. Prints one line per problem and exits 1 if
there is any; else one line per folder and exit 0.
"""
import csv
import json
import os
import re
import sys

import jsonschema
import referencing

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {
    "text": re.compile(r"(?s).*"),
    "integer": re.compile(r"^-?(0|[1-9][0-9]*)$"),
    "decimal": re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"),
    "exact": re.compile(r"^-?(0|[1-9][0-9]*)((\.[0-9]+)|(/[1-9][0-9]*))?$"),
    "date": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "timestamp": re.compile(
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"),
}
NDJSON = {
    "usage.ndjson": "usage.ndjson.schema.json", "rated.ndjson": "rated.ndjson.schema.json",
    "rejects.ndjson": "rejects.ndjson.schema.json",
    "included-credits.ndjson": "included-credits.ndjson.schema.json",
    "wallets.ndjson": "wallets.ndjson.schema.json",
    "wallet-transactions.ndjson": "wallet-transactions.ndjson.schema.json",
    "gauges.ndjson": "gauges.ndjson.schema.json",
}
CSV = {name[: -len(".columns.json")]: name for name in os.listdir(HERE)
       if name.endswith(".csv.columns.json")}


def load(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as file:
        return json.load(file)


def validators():
    schemas = {name: load(name) for name in os.listdir(HERE) if name.endswith(".schema.json")}
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas.values())
    return {name: jsonschema.Draft202012Validator(schema, registry=registry)
            for name, schema in schemas.items()}


def check_folder(folder, validate, problems):
    checked = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder)
            schema = None
            if name in NDJSON:
                schema = NDJSON[name]
            elif name == "manifest.json":
                schema = "manifest.schema.json"
            elif relative.startswith("invoices" + os.sep) and name.endswith(".json"):
                schema = "invoice.schema.json"
            elif relative.startswith("corrections" + os.sep) and name.endswith(".json"):
                schema = "correction.schema.json"
            if schema:
                with open(path, encoding="utf-8") as file:
                    text = file.read()
                documents = ([json.loads(line) for line in text.splitlines() if line]
                             if name.endswith(".ndjson") else [json.loads(text)])
                for number, document in enumerate(documents, 1):
                    for error in validate[schema].iter_errors(document):
                        where = "/".join(str(part) for part in error.absolute_path)
                        problems.append(f"{path}:{number}: {where or '(document)'}: {error.message}")
                checked += 1
            elif name in CSV:
                check_csv(path, load(CSV[name]), problems)
                checked += 1
    return checked


def check_csv(path, columns, problems):
    names = [column["name"] for column in columns["columns"]]
    with open(path, encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    if not rows or rows[0] != names:
        problems.append(f"{path}:1: header is {rows[0] if rows else None}, not {names}")
        return
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(names):
            problems.append(f"{path}:{number}: {len(row)} values, not {len(names)}")
            continue
        for column, value in zip(columns["columns"], row):
            if value == "" and column["empty_allowed"]:
                continue
            if not TYPES[column["type"]].match(value):
                problems.append(f"{path}:{number}: {column['name']} {value!r} is not {column['type']}")


def main(folders):
    if not folders:
        sys.exit(__doc__.strip())
    validate = validators()
    problems = []
    for folder in folders:
        checked = check_folder(folder, validate, problems)
        if checked == 0:
            problems.append(f"{folder}: no Ratebook output file found")
        else:
            print(f"{folder}: {checked} files checked")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
