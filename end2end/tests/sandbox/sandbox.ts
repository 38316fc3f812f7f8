// Helpers for the sandbox journeys: the sandbox's API, outbox and test hooks, a TOTP
// generator, and screenshots. The sandbox location comes from the environment, so the
// same tests run against the standalone binary or the storefront's embedded sandbox.
import { expect, Page, TestInfo } from "@playwright/test";
import { createHmac, randomBytes } from "node:crypto";
import * as path from "node:path";

export const SECRET_KEY = process.env.SANDBOX_SECRET_KEY ?? "sandbox-secret";

/** `SANDBOX_URL`, or `${baseURL}/sandbox` (where the storefront mounts it). */
export function sandboxUrl(testInfo: TestInfo): string {
  const fromEnv = process.env.SANDBOX_URL;
  const base = fromEnv ?? `${testInfo.project.use.baseURL ?? "http://localhost:3000"}/sandbox`;
  return base.replace(/\/$/, "");
}

export type TrackOptions = {
  redirectUrl?: string;
  redirectToSettings?: boolean;
  scope?: string;
  email?: string;
  phoneNumber?: string;
};

export type TrackResponse = { state: string; url: string; token: string; idempotencyKey: string; isEnrolled: boolean };

/** A client for the sandbox's Server API (Basic auth with the secret key). */
export class Sandbox {
  constructor(readonly url: string) {}

  static for(testInfo: TestInfo) {
    return new Sandbox(sandboxUrl(testInfo));
  }

  /** Where the pre-built UI returns to: the outbox page, so the return is observable without the storefront. */
  get returnUrl() {
    return `${this.url}/outbox`;
  }

  private async api<T>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/v1${apiPath}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${JSON.stringify(json)}`);
    return json as T;
  }

  track(userId: string, action: string, options: TrackOptions = {}) {
    return this.api<TrackResponse>("POST", `/users/${encodeURIComponent(userId)}/actions/${action}`, {
      redirectUrl: this.returnUrl,
      ...options,
    });
  }

  enrollEmail(userId: string, email: string) {
    return this.api("POST", `/users/${encodeURIComponent(userId)}/authenticators`, { verificationMethod: "EMAIL_OTP", email });
  }

  enrollSms(userId: string, phoneNumber: string) {
    return this.api("POST", `/users/${encodeURIComponent(userId)}/authenticators`, { verificationMethod: "SMS", phoneNumber });
  }

  authenticators(userId: string) {
    return this.api<Array<{ verificationMethod: string; userAuthenticatorId: string }>>(
      "GET",
      `/users/${encodeURIComponent(userId)}/authenticators`,
    );
  }

  /** Removes an authenticator behind the storefront's back, as an operator could. */
  removeAuthenticator(userId: string, userAuthenticatorId: string) {
    return this.api("DELETE", `/users/${encodeURIComponent(userId)}/authenticators/${encodeURIComponent(userAuthenticatorId)}`);
  }

  validate(token: string, userId?: string, action?: string) {
    return this.api<{ isValid: boolean; state?: string; verificationMethod?: string; error?: string }>("POST", "/validate", {
      token,
      userId,
      action,
    });
  }

  /** Newest code sent to an address (polls briefly: the page may still be loading). */
  async latestCode(to: string, notBefore = 0): Promise<string> {
    let messages: Array<{ code: string }> = [];
    await expect
      .poll(async () => {
        const response = await fetch(`${this.url}/outbox/messages?to=${encodeURIComponent(to)}`);
        messages = await response.json();
        return messages.length;
      })
      .toBeGreaterThan(notBefore);
    return messages[0].code;
  }

  async messageCount(to: string): Promise<number> {
    const response = await fetch(`${this.url}/outbox/messages?to=${encodeURIComponent(to)}`);
    return ((await response.json()) as unknown[]).length;
  }

  /** Moves the sandbox clock for one user only (test hooks must be on). */
  async advanceClock(userId: string, seconds: number) {
    const response = await fetch(`${this.url}/_test/clock/advance`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds, userId }),
    });
    expect(response.ok, "the sandbox needs --enable-faults for the clock hook").toBeTruthy();
  }

  /** The sandbox's idea of now for a user, in unix seconds (it may have been advanced). */
  async nowFor(userId: string): Promise<number> {
    const response = await fetch(`${this.url}/_test/clock?userId=${encodeURIComponent(userId)}`);
    if (!response.ok) return Math.floor(Date.now() / 1000);
    return ((await response.json()) as { unixSeconds: number }).unixSeconds;
  }
}

/** A user id and addresses nobody else uses, so tests run in any order and in parallel. */
export function newUser(prefix: string) {
  const id = `${prefix}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const digits = String(Math.floor(Math.random() * 1e7)).padStart(7, "0");
  return { id, email: `${id}@example.com`, phone: `+1415${digits}` };
}

/** RFC 4648 base32 (no padding) to bytes. */
function base32Decode(secret: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of secret.replace(/=+$/, "").toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1, 6 digits, 30-second steps. */
export function totp(secretBase32: string, unixSeconds: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const digest = createHmac("sha1", base32Decode(secretBase32)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const binary = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, "0");
}

/** One screenshot per UI screen, for people to look at. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(__dirname, "..", "..", "screenshots", `sandbox-${name}.png`), fullPage: true });
}

/** Fills "Verification code" and presses "Verify". */
export async function enterCode(page: Page, code: string) {
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Verify", exact: true }).click();
}

/** After the UI returns: on the outbox page with a token that validates. */
export async function expectReturnedWithValidToken(page: Page, sandbox: Sandbox, userId: string, action: string) {
  await expect(page).toHaveURL(new RegExp(`^${escapeRegExp(sandbox.returnUrl)}\\?token=`));
  const token = new URL(page.url()).searchParams.get("token") ?? "";
  const result = await sandbox.validate(token, userId, action);
  expect(result.isValid).toBe(true);
  expect(result.state).toBe("CHALLENGE_SUCCEEDED");
  return result;
}

function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
