// Page objects for the custom-UI pages: adding a method on the storefront's own pages, and
// the second step of sign-in on /verify-its-you.
import { expect, Page } from "@playwright/test";
import { totp } from "../sandbox/sandbox";

/** A six-digit code that is not the app's around now (nor the real one by chance). */
export function wrongCodeFor(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const near = [now - 30, now, now + 30].map((t) => totp(secret, t));
  for (let n = 100000; ; n++) if (!near.includes(String(n))) return String(n);
}

/** "Add an authenticator app" on /account: the QR code and secret key; answers the secret. */
export async function openAuthenticatorAppSetup(page: Page): Promise<string> {
  await page.getByRole("button", { name: "Add an authenticator app" }).click();
  await expect(page).toHaveURL(/\/account\/add-authenticator-app$/);
  await expect(page.getByRole("img", { name: /QR code/ })).toBeVisible();
  const secret = ((await page.getByLabel("Secret key").textContent()) ?? "").trim();
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  return secret;
}

/** Enters the app's code for now. */
export async function verifyAppCode(page: Page, secret: string) {
  await enterCode(page, totp(secret, Math.floor(Date.now() / 1000)));
}

/** The app's code for the next time step (accepted within the drift window): a challenge right
 *  after enrolling can't reuse the enrolling code's step. */
export function nextAppCode(secret: string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  return totp(secret, unixSeconds + 30);
}

export async function enterCode(page: Page, code: string) {
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Verify", exact: true }).click();
}

/** On an email or SMS add page: sends a code to `address`. */
export async function sendCodeTo(page: Page, label: "Email address" | "Phone number", address: string) {
  await page.getByLabel(label).fill(address);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText(/Enter the code we sent to/)).toBeVisible();
}

/** Back on /account with the add's notice. */
export async function expectAdded(page: Page, what: RegExp) {
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("status").filter({ hasText: what })).toBeVisible();
}
