// Two-step sign-in: enrolled customers complete an Authsignal challenge after the password.
import { expect, Page, test } from "@playwright/test";
import { Customer, newCustomer, signOut, signUp } from "../support/customer";
import { Sandbox, enterCode } from "../sandbox/sandbox";
import { enrollEmail, sandboxFor } from "./journey";

/** A customer with email OTP enrolled, signed out. */
async function enrolledCustomer(page: Page, sandbox: Sandbox, prefix: string) {
  const customer = newCustomer(prefix);
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await signOut(page);
  return customer;
}

/** Asks for /account while signed out, then gives the password; ends on the challenge. */
async function passwordStep(page: Page, customer: Customer) {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin\?next=%2Faccount$/);
  await page.getByLabel("Email").fill(customer.email);
  await page.getByLabel("Password").fill(customer.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
}

async function expectSignedOut(page: Page) {
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin/);
}

test("an enrolled customer passes the email challenge and lands where they asked to go", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = await enrolledCustomer(page, sandbox, "2fa");
  const sent = await sandbox.messageCount(customer.email);
  await passwordStep(page, customer);
  await page.screenshot({ path: "screenshots/sign-in-challenge.png", fullPage: true });
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Account settings" })).toBeVisible();
  await expect(page.getByText("Signed in with password and Email")).toBeVisible();
});

test("five wrong codes: not signed in", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = await enrolledCustomer(page, sandbox, "2fa-wrong");
  const sent = await sandbox.messageCount(customer.email);
  await passwordStep(page, customer);
  const code = await sandbox.latestCode(customer.email, sent);
  const wrong = code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 5; i++) await enterCode(page, wrong);
  await expect(page.getByText("Too many incorrect attempts")).toBeVisible();
  await expectSignedOut(page);
});

test("an abandoned challenge, then a fresh sign-in, works", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = await enrolledCustomer(page, sandbox, "2fa-abandon");
  await passwordStep(page, customer);
  await page.goto("/"); // walks away
  await expectSignedOut(page);

  const sent = await sandbox.messageCount(customer.email);
  await passwordStep(page, customer);
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  await expect(page).toHaveURL(/\/account$/);
});

test("a replayed sign-in token is refused", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = await enrolledCustomer(page, sandbox, "2fa-replay");
  const sent = await sandbox.messageCount(customer.email);
  await passwordStep(page, customer);
  const returned = page.waitForRequest(/\/signin\/return\?token=/);
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  const callback = (await returned).url();
  await expect(page).toHaveURL(/\/account$/);
  await signOut(page);

  await page.goto(callback);
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole("alert")).toContainText("expired or was already completed");
  await expectSignedOut(page);
});

test("a customer with nothing enrolled signs in with the password alone", async ({ page }) => {
  const customer = newCustomer("2fa-none");
  await signUp(page, customer);
  await signOut(page);
  await page.goto("/signin");
  await page.getByLabel("Email").fill(customer.email);
  await page.getByLabel("Password").fill(customer.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText("Signed in with password", { exact: true })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("an enrolled customer signs in with the email challenge", async ({ page }, testInfo) => {
    const sandbox = sandboxFor(testInfo);
    const customer = await enrolledCustomer(page, sandbox, "2fa-nojs");
    const sent = await sandbox.messageCount(customer.email);
    await passwordStep(page, customer);
    await enterCode(page, await sandbox.latestCode(customer.email, sent));
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText(customer.email).first()).toBeVisible();
  });
});
