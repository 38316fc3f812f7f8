"""Drives the sandbox's pre-built UI with plain form posts, so SDK tests can complete
actions for real. Uses only the standard library (plus requests, which the SDK ships)."""

import os
import re
import uuid
from urllib.parse import parse_qs, urlparse

import requests

SANDBOX_URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:7700").rstrip("/")
SECRET_KEY = os.environ.get("SANDBOX_SECRET_KEY", "sandbox-secret")


def _follow(response):
    """Follows the sandbox's own 303s; stops at a page or a redirect out of the sandbox."""
    while response.status_code == 303:
        location = response.headers["location"]
        if not location.startswith(SANDBOX_URL):
            return 303, location, ""
        response = requests.get(location, allow_redirects=False, timeout=5)
    return response.status_code, response.url, response.text


def open_url(url):
    return _follow(requests.get(url, allow_redirects=False, timeout=5))


def submit(path, fields):
    return _follow(requests.post(f"{SANDBOX_URL}/ui{path}", data=fields, allow_redirects=False, timeout=5))


def ui_token(html):
    match = re.search(r'name="s" value="([^"]+)"', html)
    assert match, f"no UI token in page: {html[:500]}"
    return match.group(1)


def latest_code(to):
    messages = requests.get(f"{SANDBOX_URL}/outbox/messages", params={"to": to}, timeout=5).json()
    assert messages, f"no message to {to}"
    return messages[0]["code"]


def complete_email_challenge(url, email):
    """Completes the challenge for a user with an EMAIL_OTP authenticator; returns the token from the redirect back."""
    _, _, html = open_url(url)
    status, location, page = submit("/challenge", {"s": ui_token(html), "code": latest_code(email)})
    assert status == 303, page[:500]
    return parse_qs(urlparse(location).query)["token"][0]


def set_fault(**fault):
    requests.put(f"{SANDBOX_URL}/_faults", json=fault, timeout=5).raise_for_status()


def clear_faults():
    requests.delete(f"{SANDBOX_URL}/_faults", timeout=5)


def unique_user_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
