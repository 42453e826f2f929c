#!/usr/bin/env python3
"""Writes N customers for bench/catalog.yaml (plan `bench`) as YAML or NDJSON, deterministic.

Usage: bench/gen_customers.py N yaml|ndjson > customers.<ext>

Each customer has a name, a time zone, a tax and a subscription. Used to measure
configuration loading (docs/reliability.md); not a test.
"""
import sys

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def customer(i):
    # 19 YAML nodes a customer, so 100,000 customers stay under the 2,000,000-node limit.
    return {
        "id": f"cus_{i:06d}",
        "name": f"Customer {i} GmbH",
        "timezone": ZONES[i % len(ZONES)],
        "tax": {"name": "VAT", "rate": "0.19"},
        "subscriptions": [{"plan": "bench", "start": "2026-01-01"}],
    }


def ndjson(value):
    if isinstance(value, dict):
        return "{" + ",".join(f'"{k}":{ndjson(v)}' for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(ndjson(v) for v in value) + "]"
    return f'"{value}"'


def flow(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + " }"
    return f'"{value}"'


def main():
    count, form = int(sys.argv[1]), sys.argv[2]
    out = sys.stdout
    if form == "yaml":
        out.write("customers:\n")
    for i in range(count):
        c = customer(i)
        if form == "ndjson":
            out.write(ndjson(c) + "\n")
            continue
        out.write(f"  {c['id']}:\n")
        for key in ["name", "timezone"]:
            out.write(f"    {key}: \"{c[key]}\"\n")
        out.write(f"    tax: {flow(c['tax'])}\n")
        out.write("    subscriptions:\n")
        for s in c["subscriptions"]:
            out.write(f"      - {flow(s)}\n")


main()
