#!/usr/bin/env python3
"""Summarises bench/results/<run>/runs.jsonl: the median of the repeats per figure, as
markdown tables, with the issue's targets alongside."""

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

LABEL = {
    "account-enrolled": "`GET /account`, enrolled",
    "account-not-enrolled": "`GET /account`, not enrolled",
    "launch": "launch, repeat within 30 s (from the session)",
    "launch-fresh": "launch, fresh (tracks upstream every time)",
}


def errors(r):
    return (r["non200"] + r["degraded"] + r["connect_errors"] + r["read_errors"]
            + r["write_errors"] + r["timeouts"])


def main(results_dir):
    d = Path(results_dir)
    runs = [json.loads(line) for line in (d / "runs.jsonl").read_text().splitlines() if line.strip()]
    groups = defaultdict(list)
    for r in runs:
        groups[(r["latency_ms"], r["scenario"], r["connections"])].append(r)

    print((d / "machine.txt").read_text().strip().replace("\n", "  \n"))
    print()
    for latency in sorted({k[0] for k in groups}, reverse=True):
        print(f"### Upstream latency {latency} ms (median of repeats)\n")
        print("| scenario | conns | req/s | p50 ms | p99 ms | errors | upstream calls / req "
              "| storefront CPU s / 1k req | sandbox CPU s / 1k req | RSS MiB | runs | load1 before (max) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (lat, scenario, conns), rs in sorted(groups.items(), key=lambda kv: (list(LABEL).index(kv[0][1]), kv[0][2])):
            if lat != latency:
                continue
            med = lambda f: statistics.median(f(r) for r in rs)
            rps = med(lambda r: r["requests"] / (r["duration_us"] / 1e6))
            up = med(lambda r: r["upstream"]["total"] / max(r["requests"], 1))
            sf = med(lambda r: 1000 * r["storefront_cpu_s"] / max(r["requests"], 1))
            sb = med(lambda r: 1000 * r["sandbox_cpu_s"] / max(r["requests"], 1))
            print(f"| {LABEL[scenario]} | {conns} | {rps:,.0f} | {med(lambda r: r['p50_us']) / 1000:.1f} "
                  f"| {med(lambda r: r['p99_us']) / 1000:.1f} | {sum(errors(r) for r in rs)} | {up:.2f} "
                  f"| {sf:.2f} | {sb:.2f} | {med(lambda r: r['storefront_rss_kb']) / 1024:.1f} | {len(rs)} "
                  f"| {max(r['load1_before'] for r in rs):.2f} |")
        lat_runs = [r for r in runs if r["latency_ms"] == latency]
        hwm = max(r["storefront_hwm_kb"] for r in lat_runs) / 1024
        setup = max(r["hwm_after_setup_kb"] for r in lat_runs) / 1024
        rss = max(r["storefront_rss_kb"] for r in lat_runs) / 1024
        busy = sum(1 for r in lat_runs if r["busy_procs_before"] > 0)
        waited = sum(r["waited_s"] for r in lat_runs)
        print(f"\nStorefront peak RSS serving the runs above (VmHWM at the end): **{hwm:.1f} MiB**; highest "
              f"VmRSS at the end of a run: {rss:.1f} MiB. The process that served the {3 * max(r['connections'] for r in lat_runs)} "
              f"sign-ups before it peaked at {setup:.1f} MiB (Argon2 hashing; see BENCHMARKS.md).  ")
        print(f"Quiet machine: {len(lat_runs) - busy} of {len(lat_runs)} runs started with no rustc/cargo running; "
              f"{waited} s spent waiting for quiet.\n")
        routes = defaultdict(int)
        for r in lat_runs:
            for k, v in r["upstream"]["routes"].items():
                routes[(r["scenario"], k)] += v
        print("Upstream calls by route, all runs: " + ", ".join(
            f"{s} → {k} {v:,}" for (s, k), v in sorted(routes.items())) + "\n")

    for u in sorted(d.glob("upstream-per-request-*.json")):
        print(f"### Upstream calls per request, 10 sequential requests with nothing else running ({u.stem})\n")
        for k, v in json.loads(u.read_text()).items():
            print(f"- {k}: {json.dumps(v)}")
        print()

    t = d / "transfer.txt"
    if t.exists():
        print("### First-load transfer of `/account`\n")
        print(t.read_text())
    for h in sorted(d.glob("hydration-*.json")):
        try:
            j = json.loads(h.read_text())
        except ValueError:
            continue
        print(f"### Browser load ({h.stem})\n")
        print(f"Upstream calls for one view in Chromium (SSR + hydration): {j['upstreamCallsForTheView']}; "
              f"server-function calls from the browser: {j['serverFunctionCallsFromTheBrowser']}; "
              f"bytes on the wire: {j['wireBytesTotal']:,}; page errors: {len(j['pageErrors'])}\n")
        for r in j["requests"]:
            print(f"- {r['method']} `{r['url']}` {r['status']} {r['encoding']} {r['wireBytes']:,} B")
        print()


def line(raw):
    r = json.loads(raw)
    d = r["duration_us"] / 1e6
    return (f"{r['scenario']} lat={r['latency_ms']} c={r['connections']} #{r['rep']}: "
            f"{r['requests'] / d:.0f} req/s p50={r['p50_us'] / 1000:.1f} ms p99={r['p99_us'] / 1000:.1f} ms "
            f"upstream/req={r['upstream']['total'] / max(r['requests'], 1):.2f} errors={errors(r)} "
            f"load={r['load1_before']} busy={r['busy_procs_before']} waited={r['waited_s']}s")


if __name__ == "__main__":
    if sys.argv[1] == "--line":
        print(line(sys.argv[2]))
    else:
        main(sys.argv[1])
