// The account page's security section, end to end against the embedded sandbox.
import AxeBuilder from "@axe-core/playwright";
import { expect, Page, test } from "@playwright/test";
import { newCustomer, signUp } from "../support/customer";
import {
  addAuthenticatorApp,
  authenticatorList,
  enrollEmail,
  expectActivity,
  expectOnCleanAccountPage,
  manageWithEmailChallenge,
  afterTheVerificationWindow,
  sandboxFor,
} from "./journey";

async function expectNoSeriousA11yViolations(page: Page, state: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help}`), `axe on /account (${state})`).toEqual([]);
}

test("enroll email, manage, add an authenticator app, remove one; the last one stays", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = newCustomer("journey");
  await signUp(page, customer);

  await expect(page.getByText("Two-step sign-in is off")).toBeVisible();
  await expect(page.getByText("Nothing yet.")).toBeVisible();
  await page.screenshot({ path: "screenshots/account-not-enrolled.png", fullPage: true });
  await expectNoSeriousA11yViolations(page, "not enrolled");

  await enrollEmail(page, sandbox, customer);
  await expect(page.getByRole("status").filter({ hasText: "Your authenticators were updated." })).toBeVisible();
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
  await expect(page.getByRole("button", { name: "Manage authenticators" })).toBeVisible();
  await expect(authenticatorList(page).getByRole("listitem")).toHaveCount(1);
  await expect(authenticatorList(page)).toContainText("Email");
  await expect(authenticatorList(page)).toContainText(customer.email);
  // Named precisely: Authsignal's webhook says what changed.
  await expectActivity(page, `Added Email (${customer.email})`);
  await page.screenshot({ path: "screenshots/account-enrolled.png", fullPage: true });
  await expectNoSeriousA11yViolations(page, "enrolled");

  await manageWithEmailChallenge(page, sandbox, customer);
  await addAuthenticatorApp(page, sandbox, customer);
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);
  await expect(authenticatorList(page).getByRole("listitem")).toHaveCount(2);
  await expect(authenticatorList(page)).toContainText("Authenticator app");

  // The customer just completed a challenge, so the confirmation step can remove at once.
  const keepHref = await page.getByRole("link", { name: `Remove Email (${customer.email})` }).getAttribute("href");
  await page.getByRole("link", { name: "Remove Authenticator app" }).click();
  await expect(page.getByRole("heading", { name: "Remove Authenticator app?" })).toBeVisible();
  await page.screenshot({ path: "screenshots/account-confirm-removal.png", fullPage: true });
  await expectNoSeriousA11yViolations(page, "confirm removal");
  await page.getByRole("button", { name: "Remove authenticator" }).click();
  await expectOnCleanAccountPage(page);
  await expect(page.getByText("Authenticator app was removed.")).toBeVisible();
  await expect(authenticatorList(page).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("link", { name: /^Remove / })).toHaveCount(0);

  // The last one cannot be removed, and the page says why.
  await page.goto(keepHref!);
  await expect(page.getByText("You can't remove your only authenticator")).toBeVisible();
  await expect(page.getByRole("button", { name: "Remove authenticator" })).toHaveCount(0);
  await page.screenshot({ path: "screenshots/account-last-one.png", fullPage: true });
});

test("removing without a recent challenge asks to verify first, then comes back to confirm", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = newCustomer("verify-remove");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await manageWithEmailChallenge(page, sandbox, customer);
  await addAuthenticatorApp(page, sandbox, customer);
  await page.getByRole("button", { name: "Done" }).click();
  await expectOnCleanAccountPage(page);

  // A new browser session: two-step sign-in is a challenge too, so ten minutes later.
  await page.context().clearCookies();
  const beforeSignIn = await sandbox.messageCount(customer.email);
  await page.goto("/signin");
  await page.getByLabel("Email").fill(customer.email);
  await page.getByLabel("Password").fill(customer.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByLabel("Verification code").fill(await sandbox.latestCode(customer.email, beforeSignIn));
  await page.getByRole("button", { name: "Verify", exact: true }).click();
  await expectOnCleanAccountPage(page);
  await afterTheVerificationWindow(sandbox, customer);

  await page.getByRole("link", { name: "Remove Authenticator app" }).click();
  await expect(page.getByText("verify it's you before removing")).toBeVisible();
  const sent = await sandbox.messageCount(customer.email);
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await page.getByLabel("Verification code").fill(await sandbox.latestCode(customer.email, sent));
  await page.getByRole("button", { name: "Verify", exact: true }).click();

  await expect(page).toHaveURL(/\/account\?remove=/);
  await expect(page.getByText("You're verified. Confirm the removal below.")).toBeVisible();
  await page.getByRole("button", { name: "Remove authenticator" }).click();
  await expect(page.getByText("Authenticator app was removed.")).toBeVisible();
});

test("a garbage token is refused with a message and leaves the address bar", async ({ page }) => {
  const customer = newCustomer("garbage");
  await signUp(page, customer);
  await page.goto("/account/return?token=garbage");
  await expectOnCleanAccountPage(page);
  await expect(page.getByRole("alert").filter({ hasText: "We couldn't confirm that change" })).toBeVisible();
  await expect(page.getByText("Two-step sign-in is off")).toBeVisible();
  await page.screenshot({ path: "screenshots/account-refused-token.png", fullPage: true });
});

test("another customer's token, and a replayed one, are refused", async ({ browser }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const victim = newCustomer("victim");
  const other = newCustomer("other");
  const victimPage = await (await browser.newContext()).newPage();
  const otherPage = await (await browser.newContext()).newPage();

  await signUp(otherPage, other);
  const returned = otherPage.waitForRequest(/\/account\/return\?token=/);
  await enrollEmail(otherPage, sandbox, other);
  const stolen = new URL((await returned).url()).searchParams.get("token")!;

  // Replayed by its own customer: refused, nothing changes.
  await otherPage.goto(`/account/return?token=${encodeURIComponent(stolen)}`);
  await expectOnCleanAccountPage(otherPage);
  await expect(otherPage.getByText("We couldn't confirm that change")).toBeVisible();

  // Used by someone else who is mid-launch: refused.
  await signUp(victimPage, victim);
  await victimPage.getByRole("button", { name: "Enroll authenticator" }).click();
  await expect(victimPage).toHaveURL(/\/sandbox\/ui/);
  await victimPage.goto(`/account/return?token=${encodeURIComponent(stolen)}`);
  await expectOnCleanAccountPage(victimPage);
  await expect(victimPage.getByText("We couldn't confirm that change")).toBeVisible();
  await expect(victimPage.getByText("Two-step sign-in is off")).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the launch is a plain form: enroll email and come back", async ({ page }, testInfo) => {
    const sandbox = sandboxFor(testInfo);
    const customer = newCustomer("nojs-enroll");
    await signUp(page, customer);
    await enrollEmail(page, sandbox, customer);
    await expect(page.getByText("Your authenticators were updated.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Manage authenticators" })).toBeVisible();
    await expect(authenticatorList(page)).toContainText(customer.email);
  });
});

test("a double click launches once", async ({ page }) => {
  const customer = newCustomer("double");
  await signUp(page, customer);
  await page.getByRole("button", { name: "Enroll authenticator" }).dblclick();
  await expect(page).toHaveURL(/\/sandbox\/ui/);
  await page.goto("/account");
  await expect(page.getByText("Started enrolling an authenticator")).toHaveCount(1);
});
