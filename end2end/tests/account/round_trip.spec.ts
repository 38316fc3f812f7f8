// No double challenge: a customer who has just passed the two-step challenge goes
// from "Manage authenticators" straight to the settings screen; eleven minutes later by
// Authsignal's clock (the sandbox's test clock) they are challenged first again.
import { expect, Page, test } from "@playwright/test";
import { newCustomer, signIn, signOut, signUp } from "../support/customer";
import { enterCode } from "../sandbox/sandbox";
import { enrollEmail, finishInSettings, sandboxFor, userIdOfLaunch } from "./journey";

async function pressManage(page: Page) {
  const launched = page.waitForRequest(/\/sandbox\/ui\?token=/);
  await page.getByRole("button", { name: "Manage authenticators" }).click();
  return userIdOfLaunch((await launched).url());
}

test("Manage right after a two-step sign-in skips the second challenge, until the window ends", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = newCustomer("no-double");
  await signUp(page, customer);
  await enrollEmail(page, sandbox, customer);
  await signOut(page);

  const sent = await sandbox.messageCount(customer.email);
  await signIn(page, customer);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await enterCode(page, await sandbox.latestCode(customer.email, sent));
  await expect(page).toHaveURL(/\/account$/);

  const userId = await pressManage(page);
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toHaveCount(0);
  await page.screenshot({ path: "screenshots/manage-without-second-challenge.png", fullPage: true });
  await finishInSettings(page);
  await expect(page.getByText("Your authenticators were updated.")).toBeVisible();
  await expect(page.getByText("no second challenge")).toBeVisible();

  await sandbox.advanceClock(userId, 11 * 60);
  await pressManage(page);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
});
