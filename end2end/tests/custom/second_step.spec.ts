// STOREFRONT_CHALLENGE_UI=custom: sign-in's second step on /verify-its-you, with each method
// added in place first.
import { expect, Page, test } from "@playwright/test";
import { Customer, newCustomer, signIn, signOut, signUp } from "../support/customer";
import { enterCode, expectAdded, nextAppCode, openAuthenticatorAppSetup, sendCodeTo, verifyAppCode } from "../support/custom_ui";
import { Sandbox, sandboxUrl } from "../sandbox/sandbox";

async function signInToSecondStep(page: Page, customer: Customer) {
  await signOut(page);
  await signIn(page, customer);
  await expect(page).toHaveURL(/\/verify-its-you$/);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
}

for (const javaScriptEnabled of [true, false]) {
  test.describe(`JavaScript ${javaScriptEnabled ? "on" : "off"}`, () => {
    test.use({ javaScriptEnabled });

    test("each method answers the second step on our own page", async ({ page }, testInfo) => {
      const sandbox = new Sandbox(sandboxUrl(testInfo));
      const customer = newCustomer("custom-step");
      const phone = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
      await signUp(page, customer);

      await page.getByRole("button", { name: "Add email codes" }).click();
      await sendCodeTo(page, "Email address", customer.email);
      await enterCode(page, await sandbox.latestCode(customer.email));
      await expectAdded(page, /Email .* was added/);
      const secret = await openAuthenticatorAppSetup(page);
      await verifyAppCode(page, secret);
      await expectAdded(page, /Authenticator app was added/);
      await page.getByRole("button", { name: "Add text message codes" }).click();
      await sendCodeTo(page, "Phone number", phone);
      await enterCode(page, await sandbox.latestCode(phone));
      await expectAdded(page, /SMS .* was added/);

      // Email (the default: added first), with a wrong code first.
      await signInToSecondStep(page, customer);
      await page.screenshot({ path: `screenshots/custom-verify-its-you-js-${javaScriptEnabled ? "on" : "off"}.png`, fullPage: true });
      const sent = await sandbox.messageCount(customer.email);
      await page.getByRole("button", { name: /^Email a code to/ }).click();
      await enterCode(page, "000000");
      await expect(page.getByRole("alert")).toContainText("That code isn't right");
      await enterCode(page, await sandbox.latestCode(customer.email, sent));
      await expect(page).toHaveURL(/\/account$/);

      // The authenticator app.
      await signInToSecondStep(page, customer);
      await page.getByRole("button", { name: "Use your authenticator app" }).click();
      await enterCode(page, nextAppCode(secret));
      await expect(page).toHaveURL(/\/account$/);

      // A text message.
      await signInToSecondStep(page, customer);
      await page.getByRole("button", { name: /^Text a code to/ }).click();
      await enterCode(page, await sandbox.latestCode(phone));
      await expect(page).toHaveURL(/\/account$/);
      await expect(page.getByRole("region", { name: "Security activity" }).getByText("Signed in with password and SMS")).toBeVisible();
    });
  });
}

test("spent attempts end the sign-in at the sign-in form", async ({ page }, testInfo) => {
  const sandbox = new Sandbox(sandboxUrl(testInfo));
  const customer = newCustomer("custom-step-spent");
  await signUp(page, customer);
  await page.getByRole("button", { name: "Add email codes" }).click();
  await sendCodeTo(page, "Email address", customer.email);
  await enterCode(page, await sandbox.latestCode(customer.email));
  await expectAdded(page, /Email .* was added/);

  await signInToSecondStep(page, customer);
  await page.getByRole("button", { name: /^Email a code to/ }).click();
  for (let i = 0; i < 5; i++) await enterCode(page, "000000");
  await expect(page).toHaveURL(/\/signin/);
  await expect(page.getByRole("alert")).toContainText("We couldn't verify it's you");
});
