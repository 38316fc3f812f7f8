#!/usr/bin/env python3
"""Groups a flat `perf report --sort dso,symbol --stdio` (stdin) by subsystem: where a
request's CPU goes, in a dozen lines instead of a thousand symbols."""

import re
import sys
from collections import defaultdict

# First match wins: (group, pattern on "dso symbol").
GROUPS = [
    ("kernel: scheduler / futex (thread hand-offs)", r"\[kernel.*\b(finish_task_switch|_raw_spin_unlock_irqrestore|__schedule|futex|try_to_wake_up|schedule|select_task_rq|enqueue|dequeue|ttwu|psi_)"),
    ("kernel: network (loopback TCP)", r"\[kernel.*\b(tcp|inet|skb|ip_|sock|loopback|net_|__dev_queue|epoll|ep_)"),
    ("kernel: other", r"\[kernel"),
    ("malloc / free", r"(libc.*(malloc|free|_int_|realloc|unlink_chunk|calloc|tcache))|__rdl_|__rust_alloc|__rust_dealloc|no_alloc_shim|mi_|mimalloc"),
    ("memcpy / memcmp", r"libc.*(memmove|memcpy|memset|memcmp|strlen)"),
    ("libc: locks / other", r"libc"),
    ("SQLite engine", r"\bsqlite3|pcache|btree|Vdbe|Pager|walIndex|sqlite"),
    ("sqlx + its worker channel", r"sqlx|flume|event_listener|futures_intrusive"),
    ("Leptos render (reactive_graph, tachys, leptos*, server_fn)", r"reactive_graph|tachys|leptos|server_fn|any_spawner|or_poisoned|throw_error"),
    ("tower-sessions / session store", r"tower_sessions|session_store|session_index|rmp_serde"),
    ("hyper / HTTP (server and reqwest client)", r"hyper|h2::|http::|httparse|reqwest|want::|tower::|tower_http|axum|matchit|url::|http_body"),
    ("serde / JSON", r"serde"),
    ("tracing", r"tracing|sharded_slab"),
    ("tokio runtime", r"tokio|mio::|parking_lot|std::thread|std::sys|crossbeam"),
    ("storefront + authsignal code", r"storefront|authsignal"),
]


def main():
    totals = defaultdict(float)
    for line in sys.stdin:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        key = f"{dso} {sym}"
        for name, pattern in GROUPS:
            if re.search(pattern, key):
                totals[name] += pct
                break
        else:
            totals["other"] += pct
    for name, pct in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{pct:6.1f}%  {name}")


if __name__ == "__main__":
    main()
