// Receipts and recovery in a browser: changes named in the activity and mailed (the dev
// mailbox stands in for the customer's inbox), signed-in devices, "This wasn't me" and
// "Forgot password?".
import { expect, Page, test } from "@playwright/test";
import { newCustomer, PASSWORD, signIn, signUp } from "../support/customer";
import { VirtualAuthenticator } from "../support/virtual_authenticator";
import { enrollEmail, expectActivity, expectOnCleanAccountPage, manageWithEmailChallenge, sandboxFor, waitForMail } from "./journey";

const NEW_PASSWORD = "a brand new passphrase";

function devices(page: Page) {
  return page.getByRole("region", { name: "Signed-in devices" });
}

/** Follows a link of a kept message, as the customer would from their inbox. */
function linkIn(text: string, path: string): string {
  const link = text.split(/\s+/).find((word) => word.includes(path));
  expect(link, `a ${path} link in ${text}`).toBeTruthy();
  return new URL(link!).pathname + new URL(link!).search;
}

test("a passkey added in the pre-built UI is named in the activity and mailed as a receipt", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const device = await VirtualAuthenticator.attach(page);
  const customer = newCustomer("receipt");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await manageWithEmailChallenge(page, sandbox, customer);
  await page.getByRole("button", { name: "Add authenticator" }).click();
  await page.getByRole("button", { name: "Passkey", exact: true }).click();
  await page.getByRole("button", { name: "Create passkey" }).click();
  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
  expect(await device.credentialCount()).toBe(1);
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);

  await expectActivity(page, "Added Passkey (Virtual authenticator)");
  await expectActivity(page, `Added Email (${customer.email})`);
  await expect(devices(page).getByText("This device")).toBeVisible();
  await page.screenshot({ path: "screenshots/account-activity-and-devices.png", fullPage: true });

  const receipt = await waitForMail(page, customer.email, "Added Passkey (Virtual authenticator)");
  expect(receipt.text).toContain("This wasn't me");
  // The browser that opened the pre-built UI is named.
  expect(receipt.text).toMatch(/Browser: \S/);
  await page.goto(`/dev/mailbox?to=${encodeURIComponent(customer.email)}`);
  await expect(page.getByRole("heading", { name: /Added Passkey \(Virtual authenticator\)/ })).toBeVisible();
  await page.screenshot({ path: "screenshots/dev-mailbox.png", fullPage: true });
});

test("“This wasn't me” from a new-sign-in receipt ends the other browser's session", async ({ browser }) => {
  const customer = newCustomer("notme");
  const own = await (await browser.newContext()).newPage();
  await signUp(own, customer);

  // Someone else signs in from another browser: a receipt goes out.
  const intruder = await (await browser.newContext()).newPage();
  await signIn(intruder, customer);
  await expect(intruder).toHaveURL(/\/account$/);
  await own.reload();
  await expect(devices(own).getByRole("listitem")).toHaveCount(2);
  const receipt = await waitForMail(own, customer.email, "new sign-in");

  // From the inbox: the link's page asks first, then signs out everywhere.
  await own.goto(linkIn(receipt.text, "/not-me?token="));
  await expect(own.getByRole("heading", { name: "Secure your account" })).toBeVisible();
  await own.screenshot({ path: "screenshots/not-me.png", fullPage: true });
  await own.getByRole("button", { name: "Sign out everywhere and choose a new password" }).click();
  await expect(own.getByText("Your account was signed out on every device.")).toBeVisible();
  await own.getByLabel("New password").fill(NEW_PASSWORD);
  await own.getByRole("button", { name: "Set new password" }).click();
  await expect(own).toHaveURL(/\/signin\?reset=1$/);
  await expect(own.getByText("Your password was changed")).toBeVisible();

  await intruder.goto("/account");
  await expect(intruder).toHaveURL(/\/signin/);
  await signIn(own, { ...customer, password: NEW_PASSWORD });
  await expect(own).toHaveURL(/\/account$/);
  await expectActivity(own, /Reported .this wasn't me./);
});

test("forgot password: a link by email, a new password, signed out elsewhere", async ({ browser }) => {
  const customer = newCustomer("forgot");
  const other = await (await browser.newContext()).newPage();
  await signUp(other, customer);
  // Without JavaScript: every step is a plain form.
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await page.goto("/signin");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await page.getByLabel("Email").fill(customer.email);
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByText("If an account uses that email")).toBeVisible();
  await page.screenshot({ path: "screenshots/forgot-password-sent.png", fullPage: true });

  const letter = await waitForMail(page, customer.email, "reset your password");
  await page.goto(linkIn(letter.text, "/reset-password?token="));
  await page.getByLabel("New password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password was changed")).toBeVisible();
  await signIn(page, { ...customer, password: PASSWORD });
  await expect(page.getByText("That email and password don't match an account.")).toBeVisible();
  await signIn(page, { ...customer, password: NEW_PASSWORD });
  await expect(page).toHaveURL(/\/account$/);

  await other.goto("/account");
  await expect(other).toHaveURL(/\/signin/);
  // The link worked once.
  await page.goto(linkIn(letter.text, "/reset-password?token="));
  await expect(page.getByText("This link has expired or was already used")).toBeVisible();
});

test.describe("on a narrow screen", () => {
  test.use({ viewport: { width: 360, height: 740 } });
  test("two signed-in devices, one signed out from the other", async ({ browser }) => {
    const customer = newCustomer("devices");
    const phone = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await signUp(phone, customer);
    const laptop = await (await browser.newContext()).newPage();
    await signIn(laptop, customer);
    await expect(laptop).toHaveURL(/\/account$/);
    await phone.reload();
    await expect(devices(phone).getByText("This device")).toBeVisible();
    await phone.screenshot({ path: "screenshots/devices-narrow.png", fullPage: true });
    await devices(phone).getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(phone.getByText("was signed out.")).toBeVisible();
    await expect(devices(phone).getByRole("listitem")).toHaveCount(1);
    await laptop.goto("/account");
    await expect(laptop).toHaveURL(/\/signin/);
  });
});
