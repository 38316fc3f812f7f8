// Passkeys end to end: the account page, the embedded sandbox's pre-built UI and
// Chromium's virtual authenticator standing in for the device.
import { expect, Page, test } from "@playwright/test";
import { Customer, newCustomer, signIn, signUp } from "../support/customer";
import { VirtualAuthenticator } from "../support/virtual_authenticator";
import { Sandbox } from "../sandbox/sandbox";
import { afterTheVerificationWindow, authenticatorList, enrollEmail, expectOnCleanAccountPage, manageWithEmailChallenge, sandboxFor } from "./journey";

const CREATE_CANCELLED = "Passkey setup was cancelled or timed out, so nothing was saved.";
const NOT_USED = "Your passkey wasn't used";

/** On the settings screen: Add authenticator → Passkey → Create passkey. */
async function startAddingPasskey(page: Page) {
  await page.getByRole("button", { name: "Add authenticator" }).click();
  await page.getByRole("button", { name: "Passkey", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Passkey" })).toBeVisible();
  await page.getByRole("button", { name: "Create passkey" }).click();
}

async function addPasskey(page: Page) {
  await startAddingPasskey(page);
  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
}

/** A customer with email OTP enrolled and a passkey added, back on /account. */
// (Prefixes avoid "passkey": list rows are found by the text "Passkey".)
async function customerWithPasskey(page: Page, sandbox: Sandbox, prefix: string): Promise<Customer> {
  const customer = newCustomer(prefix);
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await manageWithEmailChallenge(page, sandbox, customer);
  await addPasskey(page);
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);
  return customer;
}

test("add a passkey after an email challenge, verify with it, and keep it as the last authenticator", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const device = await VirtualAuthenticator.attach(page);
  const customer = newCustomer("pk-journey");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);

  await manageWithEmailChallenge(page, sandbox, customer);
  await addPasskey(page);
  expect(await device.credentialCount()).toBe(1);
  const settings = page.getByRole("listitem");
  await expect(settings.filter({ hasText: "Passkey" })).toContainText("Virtual authenticator");
  await page.screenshot({ path: "screenshots/sandbox-passkey-added.png", fullPage: true });
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);

  // Listed by its provider's name, with the provider's icon.
  await expect(authenticatorList(page).getByRole("listitem")).toHaveCount(2);
  const passkeyRow = authenticatorList(page).getByRole("listitem").filter({ hasText: "Passkey" });
  await expect(passkeyRow).toContainText("Virtual authenticator");
  await expect(passkeyRow.locator("img.method-icon")).toHaveAttribute("src", /^data:image\/svg\+xml;base64,/);
  await page.screenshot({ path: "screenshots/account-passkey.png", fullPage: true });

  // Manage again, later: the passkey answers the challenge; no code is typed.
  await afterTheVerificationWindow(sandbox, customer);
  await page.getByRole("button", { name: "Manage authenticators" }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await page.getByRole("button", { name: "Passkey", exact: true }).click();
  await page.getByRole("button", { name: "Use passkey" }).click();
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();

  await page.getByRole("listitem").filter({ hasText: "Email" }).getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("status")).toHaveText("Authenticator removed.");
  await expect(page.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("listitem").getByRole("button", { name: "Remove" })).toBeDisabled();
  await expect(page.getByText("This is your only authenticator, so it can't be removed")).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);

  await expect(authenticatorList(page).getByRole("listitem")).toHaveCount(1);
  await expect(authenticatorList(page)).toContainText("Passkey");
  await expect(authenticatorList(page)).not.toContainText(customer.email);
  await expect(page.getByRole("link", { name: /^Remove / })).toHaveCount(0);
  await expect(page.getByText("To remove this authenticator, add another one first")).toBeVisible();

  // With only a passkey left, the challenge is the passkey itself: here, two-step sign-in with
  // the password (the sign-in page's passkey autofill would sign in by itself: it waits while
  // the device is untouched).
  await page.context().clearCookies();
  await device.setAutomaticPresence(false);
  await signIn(page, customer);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await device.setAutomaticPresence(true);
  await page.getByRole("button", { name: "Use passkey" }).click();
  await expectOnCleanAccountPage(page);
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
});

test("a cancelled passkey setup says so, saves nothing, and can be tried again", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  // User verification fails, as when the person dismisses the fingerprint / PIN prompt.
  const device = await VirtualAuthenticator.attach(page, { isUserVerified: false });
  const customer = newCustomer("pk-cancel");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await manageWithEmailChallenge(page, sandbox, customer);

  await startAddingPasskey(page);
  await expect(page.getByRole("alert")).toContainText(CREATE_CANCELLED);
  await expect(page.getByRole("button", { name: "Create passkey" })).toBeEnabled();
  expect(await device.credentialCount()).toBe(0);
  await page.screenshot({ path: "screenshots/sandbox-passkey-cancelled.png", fullPage: true });

  await device.setUserVerified(true);
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
  expect(await device.credentialCount()).toBe(1);
});

test("a passkey challenge on a device without the passkey says so and another way still works", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const original = await VirtualAuthenticator.attach(page);
  const customer = await customerWithPasskey(page, sandbox, "pk-elsewhere");

  // Another device: a fresh authenticator that holds no passkey for this account.
  await original.remove();
  const other = await VirtualAuthenticator.attach(page);
  // The challenge opens on email (the default) and sends its code then.
  await afterTheVerificationWindow(sandbox, customer);
  const sent = await sandbox.messageCount(customer.email);
  await page.getByRole("button", { name: "Manage authenticators" }).click();
  await page.getByRole("button", { name: "Passkey", exact: true }).click();
  await page.getByRole("button", { name: "Use passkey" }).click();
  await expect(page.getByRole("alert")).toContainText(NOT_USED);
  await expect(page.getByRole("alert")).toContainText("this device has no passkey for this account");
  expect(await other.credentialCount()).toBe(0);
  await page.screenshot({ path: "screenshots/sandbox-passkey-not-here.png", fullPage: true });

  // The page stays usable: verify with email instead.
  await page.getByRole("button", { name: "Email", exact: true }).click();
  await page.getByLabel("Verification code").fill(await sandbox.latestCode(customer.email, sent));
  await page.getByRole("button", { name: "Verify", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
});

test("a browser without WebAuthn is told to choose another method", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  await page.addInitScript(() => {
    // @ts-expect-error: simulating a browser that has no WebAuthn.
    delete window.PublicKeyCredential;
  });
  const customer = newCustomer("pk-no-webauthn");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await manageWithEmailChallenge(page, sandbox, customer);
  await startAddingPasskey(page);
  await expect(page.getByRole("alert")).toContainText("This browser can't use passkeys");
  await page.getByRole("link", { name: "Back to your authenticators" }).click();
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
});
