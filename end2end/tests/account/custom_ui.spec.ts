// Adding an authenticator app, email codes and text-message codes on the storefront's own pages
// (Authsignal's Client API, called by the server), with JavaScript on and off.
import { expect, test } from "@playwright/test";
import { newCustomer, signIn, signOut, signUp } from "../support/customer";
import { expectAdded, openAuthenticatorAppSetup, enterCode, nextAppCode, sendCodeTo, verifyAppCode, wrongCodeFor } from "../support/custom_ui";
import { authenticatorList, expectActivity, sandboxFor, userIdOfLaunch } from "./journey";

for (const javaScriptEnabled of [true, false]) {
  test.describe(`JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("a first authenticator app, then email codes, added in place", async ({ page }, testInfo) => {
      const sandbox = sandboxFor(testInfo);
      const customer = newCustomer("custom-add");
      await signUp(page, customer);

      const secret = await openAuthenticatorAppSetup(page);
      // A wrong code changes nothing and says so.
      await enterCode(page, wrongCodeFor(secret));
      await expect(page.getByRole("alert")).toContainText("That code isn't right");
      await expect(page.getByLabel("Secret key")).toHaveText(secret);
      await verifyAppCode(page, secret);
      await expectAdded(page, /Authenticator app was added/);
      await expect(authenticatorList(page).getByText("Authenticator app")).toBeVisible();
      await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
      await expect(page.getByRole("button", { name: "Add an authenticator app" })).toHaveCount(0);
      await expectActivity(page, "Added Authenticator app");

      await page.getByRole("button", { name: "Add email codes" }).click();
      await sendCodeTo(page, "Email address", customer.email);
      await enterCode(page, await sandbox.latestCode(customer.email));
      await expectAdded(page, /Email .* was added/);
      await expect(authenticatorList(page).getByText(customer.email)).toBeVisible();
      await expectActivity(page, /Added Email/);
    });
  });
}

test("an enrolled customer without a recent challenge verifies first, then adds text message codes", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = newCustomer("custom-verify-first");
  await signUp(page, customer);
  const secret = await openAuthenticatorAppSetup(page);
  await verifyAppCode(page, secret);
  await expectAdded(page, /Authenticator app was added/);

  // Signed in again, eleven minutes later by Authsignal's clock: no recent challenge.
  await signOut(page);
  const launched = page.waitForRequest(/\/sandbox\/ui\?token=/);
  await signIn(page, customer);
  customer.userId = userIdOfLaunch((await launched).url());
  await enterCode(page, nextAppCode(secret, await sandbox.nowFor(customer.userId)));
  await expect(page).toHaveURL(/\/account$/);
  await sandbox.advanceClock(customer.userId, 11 * 60);

  await page.getByRole("button", { name: "Add text message codes" }).click();
  await expect(page.getByText(/verify it's you before adding text message codes/)).toBeVisible();
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await expect(page).toHaveURL(/\/sandbox\/ui/);
  await enterCode(page, nextAppCode(secret, await sandbox.nowFor(customer.userId)));
  await expect(page).toHaveURL(/\/account\/add-text-message-codes$/);
  await expect(page.getByText("You're verified")).toBeVisible();

  const phone = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  await sendCodeTo(page, "Phone number", phone);
  await enterCode(page, await sandbox.latestCode(phone));
  await expectAdded(page, /SMS .* was added/);
  await expectActivity(page, /Added SMS/);
});

test("the add pages on a narrow screen", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await signUp(page, newCustomer("custom-narrow"));
  await openAuthenticatorAppSetup(page);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, "nothing wider than the screen").toBeLessThanOrEqual(360);
  await page.screenshot({ path: "screenshots/custom-add-authenticator-app-360.png", fullPage: true });
  await page.goto("/account/add-email-codes");
  await page.screenshot({ path: "screenshots/custom-add-email-codes-360.png", fullPage: true });
});
