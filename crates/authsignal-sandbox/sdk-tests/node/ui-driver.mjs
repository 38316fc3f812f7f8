// Drives the sandbox's pre-built UI with plain form posts (as a browser without
// JavaScript would), so SDK tests can complete actions for real.

export const SANDBOX_URL = (process.env.SANDBOX_URL ?? "http://127.0.0.1:7700").replace(/\/$/, "");
export const SECRET_KEY = process.env.SANDBOX_SECRET_KEY ?? "sandbox-secret";

/** Follows the sandbox's own 303s; stops at a page or at a redirect out of the sandbox. */
async function follow(response) {
  for (;;) {
    if (response.status === 303) {
      const location = response.headers.get("location");
      if (!location.startsWith(SANDBOX_URL)) return { status: 303, url: location, html: "" };
      response = await fetch(location, { redirect: "manual" });
      continue;
    }
    return { status: response.status, url: response.url, html: await response.text() };
  }
}

export async function open(url) {
  return follow(await fetch(url, { redirect: "manual" }));
}

export async function submit(path, fields) {
  const response = await fetch(`${SANDBOX_URL}/ui${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return follow(response);
}

/** The UI session token carried in a page's forms. */
export function uiToken(page) {
  const match = page.html.match(/name="s" value="([^"]+)"/);
  if (!match) throw new Error(`no UI token in page: ${page.html.slice(0, 500)}`);
  return match[1];
}

export async function latestCode(to) {
  const response = await fetch(`${SANDBOX_URL}/outbox/messages?to=${encodeURIComponent(to)}`);
  const messages = await response.json();
  if (messages.length === 0) throw new Error(`no message to ${to}`);
  return messages[0].code;
}

/** Completes an email challenge for a user with an EMAIL_OTP authenticator; returns the token from the redirect back. */
export async function completeEmailChallenge(url, email) {
  const page = await open(url);
  const s = uiToken(page);
  const back = await submit("/challenge", { s, code: await latestCode(email) });
  if (back.status !== 303) throw new Error(`challenge did not return to the app: ${back.html.slice(0, 500)}`);
  return new URL(back.url).searchParams.get("token");
}

export async function setFault(fault) {
  const response = await fetch(`${SANDBOX_URL}/_faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault not set: ${response.status}`);
}

export async function clearFaults() {
  await fetch(`${SANDBOX_URL}/_faults`, { method: "DELETE" });
}

export function uniqueUserId(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
