#!/usr/bin/env python3
"""Signs up the benchmark's customers and writes one Cookie header per line per pool:
cookies-enrolled.txt (an email authenticator enrolled through the sandbox API),
cookies-not-enrolled.txt and cookies-launch.txt (nothing enrolled; used by the launch runs).
Checks that /account shows the right button for each pool before any load is applied."""

import argparse
import base64
import json
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def cookies_from(headers):
    out = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def sign_up(base, email):
    body = urllib.parse.urlencode(
        {"email": email, "name": "Bench Customer", "password": "correct-horse-battery"}
    ).encode()
    status, headers, _ = request(
        f"{base}/signup", body, {"Content-Type": "application/x-www-form-urlencoded", "Origin": base, "Sec-Fetch-Site": "same-origin"}
    )
    cookies = cookies_from(headers)
    if status != 303 or "storefront_session" not in cookies:
        sys.exit(f"sign-up of {email} answered {status} without a session cookie")
    return cookies


def cookie_header(cookies):
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--sandbox", required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", default="bench")
    a = ap.parse_args()

    stamp = int(time.time())
    pools = {}
    started = time.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for kind in ("enrolled", "not-enrolled", "launch"):
            emails = [f"{kind}-{i}-{a.tag}-{stamp}@bench.example" for i in range(a.count)]
            pools[kind] = list(zip(emails, pool.map(lambda e: sign_up(a.base, e), emails)))
    print(f"signed up {3 * a.count} customers in {time.time() - started:.1f} s", file=sys.stderr)

    db = sqlite3.connect(a.db)
    auth = "Basic " + base64.b64encode(f"{a.secret}:".encode()).decode()
    for email, _ in pools["enrolled"]:
        (user_id,) = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
        body = json.dumps({"verificationMethod": "EMAIL_OTP", "email": email}).encode()
        status, _, reply = request(
            f"{a.sandbox}/v1/users/{urllib.parse.quote(user_id)}/authenticators",
            body,
            {"Authorization": auth, "Content-Type": "application/json"},
        )
        if status != 200:
            sys.exit(f"enrolling {email} answered {status}: {reply[:200]!r}")

    # One launch per launch-pool customer: keeps the device-id cookie a browser would keep.
    for email, cookies in pools["launch"]:
        status, headers, body = request(
            f"{a.base}/api/launch_authenticator_settings",
            b"intent=Enroll",
            {
                "Cookie": cookie_header(cookies),
                "Origin": a.base,
                "Sec-Fetch-Site": "same-origin",
                "Accept": "application/json",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if status != 200 or not body.startswith(b'"http'):
            sys.exit(f"launch for {email} answered {status}: {body[:200]!r}")
        cookies.update(cookies_from(headers))

    expect = {"enrolled": "Manage authenticators", "not-enrolled": "Enroll authenticator", "launch": "Enroll authenticator"}
    for kind, users in pools.items():
        status, _, html = request(f"{a.base}/account", headers={"Cookie": cookie_header(users[0][1]), "Accept": "text/html"})
        text = html.decode("utf-8", "replace")
        if status != 200 or expect[kind] not in text or "temporarily unavailable" in text:
            sys.exit(f"/account for the {kind} pool answered {status} without {expect[kind]!r}")
        with open(f"{a.out}/cookies-{kind}.txt", "w") as f:
            for _, cookies in users:
                f.write(cookie_header(cookies) + "\n")

    # Exact upstream calls per request, no load and nothing in flight: 10 requests each.
    exact = {}
    for kind, path, body in (("account-enrolled", "/account", None), ("account-not-enrolled", "/account", None),
                             ("launch-fresh", "/api/remove_authenticator", b"authenticator_id=bench-none"),
                             ("launch-fresh", "/api/launch_authenticator_settings", b"intent=Enroll"),
                             ("launch", "/api/launch_authenticator_settings", b"intent=Enroll")):
        users = pools["enrolled" if kind == "account-enrolled" else "not-enrolled" if kind == "account-not-enrolled" else "launch"]
        request(f"{a.sandbox}/_test/stats", method="DELETE")
        for _ in range(10):
            headers = {"Cookie": cookie_header(users[1][1]), "Accept": "application/json" if body else "text/html"}
            if body:
                headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": a.base, "Sec-Fetch-Site": "same-origin"})
            if kind == "launch-fresh":  # alternate so that every launch is a new one
                request(f"{a.base}/api/remove_authenticator" if path.endswith("settings") else f"{a.base}/api/launch_authenticator_settings",
                        b"authenticator_id=bench-none" if path.endswith("settings") else b"intent=Enroll", headers)
                request(f"{a.sandbox}/_test/stats", method="DELETE")
            status, _, _ = request(f"{a.base}{path}", body, headers)
            if status != 200:
                sys.exit(f"{path} answered {status}")
            if kind == "launch-fresh":
                _, _, got = request(f"{a.sandbox}/_test/stats")
                exact.setdefault(f"{kind} {path}", []).append(json.loads(got)["total"])
        if kind != "launch-fresh":
            _, _, got = request(f"{a.sandbox}/_test/stats")
            exact[f"{kind} {path}"] = json.loads(got)
    with open(f"{a.out}/upstream-per-request.json", "w") as f:
        json.dump(exact, f, indent=1)


if __name__ == "__main__":
    main()
