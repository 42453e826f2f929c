#!/usr/bin/env python3
"""Writes N customers for bench/catalog.yaml (plan `bench`) as YAML or NDJSON, deterministic.

Usage: bench/gen_customers.py N yaml|ndjson [full] > customers.<ext>

Each customer has a name, a time zone, a tax and a subscription (19 YAML nodes); with `full`
also an address and a discount (38 nodes), like a real book. Used to measure configuration
loading (docs/reliability.md); not a test.
"""
import sys

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney"]


def customer(i, full):
    # 19 YAML nodes a customer (key included); 38 with `full`. A customers file has no node
    # limit of its own (only the nodes aliases add are limited), so any count loads.
    c = {
        "id": f"cus_{i:06d}",
        "name": f"Customer {i} GmbH",
        "timezone": ZONES[i % len(ZONES)],
        "tax": {"name": "VAT", "rate": "0.19"},
        "subscriptions": [{"plan": "bench", "start": "2026-01-01"}],
    }
    if full:
        c["address"] = {"street": f"{i} Main St", "city": "Berlin", "postal_code": "10115",
                        "country": "DE"}
        c["discounts"] = [{"key": "launch", "percent": "10", "until": "2026-12-31"}]
    return c


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
    full = len(sys.argv) > 3 and sys.argv[3] == "full"
    out = sys.stdout
    if form == "yaml":
        out.write("customers:\n")
    for i in range(count):
        c = customer(i, full)
        if form == "ndjson":
            out.write(ndjson(c) + "\n")
            continue
        out.write(f"  {c['id']}:\n")
        for key in ["name", "timezone"]:
            out.write(f"    {key}: \"{c[key]}\"\n")
        out.write(f"    tax: {flow(c['tax'])}\n")
        if full:
            out.write(f"    address: {flow(c['address'])}\n")
            out.write("    discounts:\n")
            for d in c["discounts"]:
                out.write(f"      - {flow(d)}\n")
        out.write("    subscriptions:\n")
        for s in c["subscriptions"]:
            out.write(f"      - {flow(s)}\n")


main()
