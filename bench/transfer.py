#!/usr/bin/env python3
"""First-load transfer of /account: the HTML and every file it references (CSS, JS, wasm,
icons), raw, gzip -9 and brotli -q 11, plus what the server actually sends when the client
accepts br/gzip, and the wasm's section sizes (where its bytes go)."""

import argparse
import gzip
import json
import re
import subprocess
import sys
import urllib.request
from urllib.parse import urljoin


def fetch(url, cookie, encoding="identity"):
    req = urllib.request.Request(
        url, headers={"Cookie": cookie, "Accept": "text/html,*/*", "Accept-Encoding": encoding}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), r.headers.get("Content-Encoding") or "identity"


def brotli_size(data):
    out = subprocess.run(["brotli", "-q", "11", "-c"], input=data, capture_output=True, check=True)
    return len(out.stdout)


def leb(data, i):
    result = shift = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return result, i


def wasm_sections(data):
    names = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
             6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}
    i, out = 8, []
    while i < len(data):
        sid = data[i]
        size, j = leb(data, i + 1)
        name = names.get(sid, str(sid))
        if sid == 0:
            n, k = leb(data, j)
            name = "custom:" + data[k:k + n].decode("utf-8", "replace")
        body = data[j:j + size]
        entry = {"section": name, "bytes": size}
        if sid == 10:
            count, _ = leb(body, 0)
            entry["functions"] = count
        out.append(entry)
        i = j + size
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--cookie", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    page = f"{a.base}/account"
    html, _ = fetch(page, a.cookie)
    text = html.decode("utf-8", "replace")
    refs = []
    for m in re.finditer(r"""(?:href|src)=["']([^"']+)["']|import\(\s*["']([^"']+)["']|["']([^"'\s]+\.wasm)["']""", text):
        ref = next(g for g in m.groups() if g)
        if ref.startswith(("http:", "https:", "#", "mailto:", "data:")) or ref.startswith("//"):
            continue
        if not re.search(r"\.(css|js|mjs|wasm|svg|ico|png|jpg|webp|woff2?)(\?|$)", ref):
            continue
        url = urljoin(page, ref)
        if url not in refs:
            refs.append(url)

    files = [("/account (HTML)", page, html)]
    for url in refs:
        body, _ = fetch(url, a.cookie)
        files.append((url.replace(a.base, ""), url, body))

    rows = []
    for name, url, body in files:
        served, enc = fetch(url, a.cookie, "br, gzip")
        rows.append({
            "file": name,
            "raw": len(body),
            "gzip9": len(gzip.compress(body, 9)),
            "brotli11": brotli_size(body),
            "served_bytes": len(served),
            "served_encoding": enc,
        })
    total = {k: sum(r[k] for r in rows) for k in ("raw", "gzip9", "brotli11", "served_bytes")}
    wasm = [r for r in files if r[1].endswith(".wasm")]
    result = {"files": rows, "total": total,
              "wasm_sections": wasm_sections(wasm[0][2]) if wasm else []}
    with open(a.out, "w") as f:
        json.dump(result, f, indent=2)

    print("| file | raw | gzip -9 | brotli -q 11 | as served (br, gzip accepted) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| `{r['file']}` | {r['raw']:,} | {r['gzip9']:,} | {r['brotli11']:,} | {r['served_bytes']:,} ({r['served_encoding']}) |")
    print(f"| **total** | {total['raw']:,} | {total['gzip9']:,} | {total['brotli11']:,} | {total['served_bytes']:,} |")
    if wasm:
        print("\nwasm sections:")
        for s in result["wasm_sections"]:
            print(f"  {s['section']:<28} {s['bytes']:>10,}" + (f"  ({s['functions']} functions)" if "functions" in s else ""))


if __name__ == "__main__":
    sys.exit(main())
