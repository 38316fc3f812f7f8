// Page objects for the account page's security section and the pre-built UI it launches.
import { expect, Page, TestInfo } from "@playwright/test";
import { Customer } from "../support/customer";
import { Sandbox, enterCode, totp } from "../sandbox/sandbox";

export function sandboxFor(testInfo: TestInfo) {
  return Sandbox.for(testInfo);
}

/** The account page, exactly, with no token left in the address bar. */
export async function expectOnCleanAccountPage(page: Page) {
  await expect(page).toHaveURL(/\/account$/);
  expect(new URL(page.url()).search).toBe("");
}

/** The Authsignal user id inside a pre-built UI launch URL's token (a JWT's `sub`). */
export function userIdOfLaunch(url: string): string {
  const token = new URL(url).searchParams.get("token") ?? "";
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")).sub;
}

/** Ten minutes pass by Authsignal's clock (the sandbox's, for this customer only): the last
 *  challenge no longer counts, so Manage and removal challenge first again. */
export async function afterTheVerificationWindow(sandbox: Sandbox, customer: Customer) {
  expect(customer.userId, "learnt at enrollEmail").not.toBe("");
  await sandbox.advanceClock(customer.userId, 11 * 60);
}

/** From "Enroll authenticator" on /account to back on /account with email OTP enrolled. */
export async function enrollEmail(page: Page, sandbox: Sandbox, customer: Customer) {
  const launched = page.waitForRequest(/\/sandbox\/ui\?token=/);
  await page.getByRole("button", { name: "Enroll authenticator" }).click();
  customer.userId = userIdOfLaunch((await launched).url());
  await expect(page).toHaveURL(/\/sandbox\/ui/);
  await page.getByRole("button", { name: "Email", exact: true }).click();
  await page.getByLabel("Email address").fill(customer.email);
  await page.getByRole("button", { name: "Continue" }).click();
  await enterCode(page, await sandbox.latestCode(customer.email));
  await finishInSettings(page);
}

/** With redirectToSettings the UI lands on its settings screen; Done returns to the app. */
export async function finishInSettings(page: Page) {
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);
}

/** "Manage authenticators" → the email challenge → the settings screen (after the window of
 *  the last challenge, which would otherwise skip it). */
export async function manageWithEmailChallenge(page: Page, sandbox: Sandbox, customer: Customer) {
  await afterTheVerificationWindow(sandbox, customer);
  const sent = await sandbox.messageCount(customer.email);
  await page.getByRole("button", { name: "Manage authenticators" }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
}

/** On the settings screen: adds an authenticator app with a TOTP code computed for the
 *  sandbox's time (which tests may have moved for this customer). */
export async function addAuthenticatorApp(page: Page, sandbox: Sandbox, customer: Customer) {
  await page.getByRole("button", { name: "Add authenticator" }).click();
  await page.getByRole("button", { name: "Authenticator app", exact: true }).click();
  const secret = (await page.getByLabel("Secret key").textContent())?.replace(/\s+/g, "") ?? "";
  expect(secret).toMatch(/^[A-Z2-7]+$/);
  await expect(page.getByText(/otpauth:\/\/totp\//)).toBeVisible();
  await enterCode(page, totp(secret, await sandbox.nowFor(customer.userId)));
  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
}

export function authenticatorList(page: Page) {
  return page.getByRole("list", { name: "Your authenticators" });
}

/** The security activity shows `line`. Authsignal's webhooks write it moments after the change,
 *  so the page is reloaded until it does. */
export async function expectActivity(page: Page, line: string | RegExp) {
  const activity = page.getByRole("region", { name: "Security activity" });
  await expect(async () => {
    if (!(await activity.getByText(line).first().isVisible())) {
      await page.reload();
    }
    await expect(activity.getByText(line).first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

/** The storefront's dev mailbox (embedded mode, no SMTP): kept mail to `to`, newest first. */
export async function keptMail(page: Page, to: string): Promise<{ to: string; subject: string; text: string }[]> {
  const response = await page.request.get(`/dev/mailbox/messages?to=${encodeURIComponent(to)}`);
  expect(response.ok()).toBeTruthy();
  return response.json();
}

/** Waits for a kept message to `to` whose subject contains `subject`; answers it. */
export async function waitForMail(page: Page, to: string, subject: string) {
  let found: { to: string; subject: string; text: string } | undefined;
  await expect(async () => {
    found = (await keptMail(page, to)).find((m) => m.subject.includes(subject));
    expect(found, `mail about ${subject}`).toBeTruthy();
  }).toPass({ timeout: 15_000 });
  return found!;
}
