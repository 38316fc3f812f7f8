#!/usr/bin/env python3
"""The side-by-side table (bench/side_by_side.sh): medians of the repeats, storefront vs peer."""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def med(rows, key):
    return statistics.median(r[key] for r in rows)


def cpu_per_req(r):
    return r["cpu_ms"] / max(r["requests"], 1)


def rps(r):
    return r["requests"] / (r["duration_us"] / 1e6)


def errors(r):
    return r["non200"] + r["degraded"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]


def main(out):
    d = Path(out)
    runs = [json.loads(l) for l in (d / "runs.jsonl").read_text().splitlines() if l.strip()]
    views = defaultdict(list)
    pages = defaultdict(list)
    for r in runs:
        r["rps"], r["cpu"] = rps(r), cpu_per_req(r)
        if r["path"] == "/account":
            views[(r["latency_ms"], r["connections"], r["server"])].append(r)
        else:
            pages[r["path"]].append(r)
    print((d / "machine.txt").read_text().strip().replace("\n", "  \n"))
    print()
    print("| upstream | conns | storefront views/s | peer views/s | storefront CPU ms/view | peer CPU ms/view "
          "| CPU ratio | storefront p50 | peer p50 | errors (sf/peer) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for lat, conns in sorted({(k[0], k[1]) for k in views}):
        sf, peer = views[(lat, conns, "storefront")], views[(lat, conns, "peer")]
        ratio = med(sf, "cpu") / max(med(peer, "cpu"), 1e-9)
        print(f"| {lat} ms | {conns} | {med(sf, 'rps'):.0f} | {med(peer, 'rps'):.0f} | {med(sf, 'cpu'):.3f} "
              f"| {med(peer, 'cpu'):.3f} | 1/{1 / max(ratio, 1e-9):.1f} | {med(sf, 'p50_us') / 1000:.1f} ms "
              f"| {med(peer, 'p50_us') / 1000:.1f} ms | {sum(map(errors, sf))}/{sum(map(errors, peer))} |")
    print()
    print("| storefront page, signed out, 1 conn | req/s | CPU ms/request | p50 |")
    print("|---|---:|---:|---:|")
    for path, rows in pages.items():
        print(f"| `GET {path}` | {med(rows, 'rps'):.0f} | {med(rows, 'cpu'):.3f} | {med(rows, 'p50_us') / 1000:.2f} ms |")
    hwm = max(r["hwm_kb"] for r in runs if r["server"] == "storefront")
    print(f"\nstorefront peak RSS while serving (VmHWM, fresh process): {hwm / 1024:.1f} MiB")


if __name__ == "__main__":
    main(sys.argv[1])
