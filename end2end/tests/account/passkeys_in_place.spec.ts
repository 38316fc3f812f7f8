// Passkeys in place: added on the storefront's own page with Authsignal's official
// Web SDK, and used to sign in (button and autofill), against the embedded sandbox's Client
// API, with Chromium's virtual authenticator standing in for the device.
import { expect, Page, test } from "@playwright/test";
import { Customer, newCustomer, signOut, signUp } from "../support/customer";
import { VirtualAuthenticator } from "../support/virtual_authenticator";
import { enterCode } from "../sandbox/sandbox";
import { afterTheVerificationWindow, authenticatorList, enrollEmail, expectActivity, sandboxFor } from "./journey";

const CANCELLED = "Passkey setup was cancelled or timed out, so nothing was saved.";

// A script error on these pages would leave the passkey controls hidden: show it in the report.
test.beforeEach(async ({ page }) => {
  page.on("pageerror", (error) => console.log(`page error on ${page.url()}: ${error.message}`));
});

/** From /account: "Add a passkey" → "Create passkey" → back on /account with it listed. */
async function addPasskeyInPlace(page: Page) {
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page).toHaveURL(/\/account\/add-passkey\??$/);
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("status").filter({ hasText: "was added." })).toBeVisible();
  await expect(authenticatorList(page).getByRole("listitem").filter({ hasText: "Passkey" })).toBeVisible();
}

/** A customer whose only authenticator is a passkey made in place, signed out. */
async function customerWithOnlyAPasskey(page: Page, prefix: string): Promise<Customer> {
  const customer = newCustomer(prefix);
  await signUp(page, customer);
  await addPasskeyInPlace(page);
  await signOut(page);
  return customer;
}

test("a customer with nothing enrolled creates a first passkey in place", async ({ page }) => {
  const device = await VirtualAuthenticator.attach(page);
  const customer = newCustomer("pk-first");
  await signUp(page, customer);
  await addPasskeyInPlace(page);
  expect(await device.credentialCount()).toBe(1);
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
  await expectActivity(page, /Added Passkey/);
  await page.screenshot({ path: "screenshots/account-passkey-in-place.png", fullPage: true });
});

test("recently verified: adds a passkey in place; later: verifies first, comes back, adds", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const device = await VirtualAuthenticator.attach(page);
  const customer = newCustomer("pk-add");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer); // a challenge, just now
  await addPasskeyInPlace(page);
  expect(await device.credentialCount()).toBe(1);

  await afterTheVerificationWindow(sandbox, customer);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.getByText("verify it's you before adding a passkey")).toBeVisible();
  await page.screenshot({ path: "screenshots/add-passkey-verify-first.png", fullPage: true });
  const sent = await sandbox.messageCount(customer.email);
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  // The passkey just added would do too; the email code is the default method.
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  await expect(page).toHaveURL(/\/account\/add-passkey\??$/);
  await expect(page.getByText("You're verified. Create your passkey now.")).toBeVisible();
  // This device already holds this account's passkey: it says so, and nothing changes.
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByRole("alert")).toContainText("This device already has a passkey for your account");
  expect(await device.credentialCount()).toBe(1);
  // Another device: a second passkey.
  await device.remove();
  const laptop = await VirtualAuthenticator.attach(page);
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page).toHaveURL(/\/account$/);
  expect(await laptop.credentialCount()).toBe(1);
  await expect(authenticatorList(page).getByRole("listitem").filter({ hasText: "Passkey" })).toHaveCount(2);
});

test("a cancelled ceremony says so and changes nothing", async ({ page }) => {
  const device = await VirtualAuthenticator.attach(page, { isUserVerified: false });
  const customer = newCustomer("pk-cancel-inplace");
  await signUp(page, customer);
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByRole("alert")).toContainText(CANCELLED);
  await expect(page.getByRole("button", { name: "Create passkey" })).toBeEnabled();
  expect(await device.credentialCount()).toBe(0);
  await page.screenshot({ path: "screenshots/add-passkey-cancelled.png", fullPage: true });
  await page.getByRole("link", { name: "Back to your account" }).click();
  await expect(page.getByText("Two-step sign-in is off")).toBeVisible();
});

test("sign in with a passkey: the button", async ({ page }) => {
  // A browser without passkey autofill, so only the button can sign in.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  await VirtualAuthenticator.attach(page);
  const customer = await customerWithOnlyAPasskey(page, "pk-button");
  await page.goto("/signin");
  await page.screenshot({ path: "screenshots/signin-passkey.png", fullPage: true });
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(customer.email).first()).toBeVisible();
  await expect(page.getByText("Signed in with a passkey")).toBeVisible();
});

test("sign in with a passkey: autofill on the Email field", async ({ page }) => {
  const device = await VirtualAuthenticator.attach(page);
  await customerWithOnlyAPasskey(page, "pk-autofill");
  // Untouched device: the page's autofill request waits, so the page can be looked at first.
  await device.setAutomaticPresence(false);
  await page.goto("/signin");
  await expect(page.getByLabel("Email")).toHaveAttribute("autocomplete", "username webauthn");
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeVisible();
  // With the device answering, the autofill request made as the page loads signs in (as when
  // the customer picks their passkey from the suggestions).
  await device.setAutomaticPresence(true);
  await page.reload();
  await expect(page).toHaveURL(/\/account$/, { timeout: 15_000 });
  await expect(page.getByText("Signed in with a passkey")).toBeVisible();
});

test("a removed passkey no longer signs in", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  await VirtualAuthenticator.attach(page);
  const customer = newCustomer("pk-removed");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await addPasskeyInPlace(page);
  const passkeys = (await sandbox.authenticators(customer.userId)).filter((a) => a.verificationMethod === "PASSKEY");
  expect(passkeys).toHaveLength(1);
  await sandbox.removeAuthenticator(customer.userId, passkeys[0].userAuthenticatorId);
  await signOut(page);
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.locator("#passkey-sign-in-status")).not.toHaveText("");
  await expect(page).toHaveURL(/\/signin/);
});
