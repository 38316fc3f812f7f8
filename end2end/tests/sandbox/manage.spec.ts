// Managing authenticators in the sandbox's pre-built UI: challenge, binding window,
// remove, the last-one guard, set default, and expired links.
import { expect, Page, test } from "@playwright/test";
import { Sandbox, enterCode, expectReturnedWithValidToken, newUser, screenshot } from "./sandbox";

/** Opens the manage URL and completes the email challenge; ends on the settings screen. */
async function challengeToSettings(page: Page, sandbox: Sandbox, user: ReturnType<typeof newUser>) {
  const { url, state } = await sandbox.track(user.id, "manage", { redirectToSettings: true });
  expect(state).toBe("CHALLENGE_REQUIRED");
  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await enterCode(page, await sandbox.latestCode(user.email));
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
}

test("challenge with the default method, or switch to another, and return to the app", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-challenge");
  await sandbox.enrollEmail(user.id, user.email);
  await sandbox.enrollSms(user.id, user.phone);
  const { url } = await sandbox.track(user.id, "signIn");

  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Verify it's you" })).toBeVisible();
  await expect(page.getByText("We emailed a 6-digit code")).toBeVisible();
  await screenshot(page, "challenge");
  await page.getByRole("button", { name: "SMS", exact: true }).click();
  await expect(page.getByText("We texted a 6-digit code")).toBeVisible();
  await enterCode(page, await sandbox.latestCode(user.phone));

  const result = await expectReturnedWithValidToken(page, sandbox, user.id, "signIn");
  expect(result.verificationMethod).toBe("SMS");
});

test("after a challenge, a method can be added within the window", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-add");
  await sandbox.enrollEmail(user.id, user.email);
  await challengeToSettings(page, sandbox, user);
  await screenshot(page, "settings-last-one");

  await page.getByRole("button", { name: "Add authenticator" }).click();
  await expect(page.getByRole("heading", { name: "Add an authenticator" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Email", exact: true })).toHaveCount(0);
  await page.getByRole("button", { name: "SMS", exact: true }).click();
  await page.getByLabel("Phone number").fill(user.phone);
  await page.getByRole("button", { name: "Continue" }).click();
  await enterCode(page, await sandbox.latestCode(user.phone));

  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
  await expect(page.getByRole("listitem")).toHaveCount(2);
  await screenshot(page, "settings");
  await page.getByRole("button", { name: "Done" }).click();
  await expectReturnedWithValidToken(page, sandbox, user.id, "manage");
});

test("adding after the window needs verifying again", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-window");
  await sandbox.enrollEmail(user.id, user.email);
  await challengeToSettings(page, sandbox, user);

  await sandbox.advanceClock(user.id, 10 * 60 + 1);
  await page.getByRole("button", { name: "Add authenticator" }).click();
  await expect(page.getByRole("heading", { name: "Verify it's you again" })).toBeVisible();
  await expect(page.getByText("more than 10 minutes")).toBeVisible();
  await screenshot(page, "verify-again");

  const sent = await sandbox.messageCount(user.email);
  await page.getByRole("link", { name: "Verify again" }).click();
  await enterCode(page, await sandbox.latestCode(user.email, sent));
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await page.getByRole("button", { name: "Add authenticator" }).click();
  await expect(page.getByRole("heading", { name: "Add an authenticator" })).toBeVisible();
});

test("remove an authenticator and set the default; the last one stays", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-remove");
  await sandbox.enrollEmail(user.id, user.email);
  await sandbox.enrollSms(user.id, user.phone);
  await challengeToSettings(page, sandbox, user);

  const smsRow = page.getByRole("listitem").filter({ hasText: "SMS" });
  await smsRow.getByRole("button", { name: "Set as default" }).click();
  await expect(page.getByRole("status")).toHaveText("Default method updated.");
  await expect(page.getByRole("listitem").first()).toContainText("Default");
  await expect(page.getByRole("listitem").first()).toContainText("SMS");

  await page.getByRole("listitem").filter({ hasText: "Email" }).getByRole("button", { name: "Remove" }).click();
  await expect(page.getByRole("status")).toHaveText("Authenticator removed.");
  await expect(page.getByRole("listitem")).toHaveCount(1);

  // The last-one guard: the only authenticator can't be removed, and the page says why.
  const remove = page.getByRole("listitem").getByRole("button", { name: "Remove" });
  await expect(remove).toBeDisabled();
  await expect(page.getByText("This is your only authenticator, so it can't be removed")).toBeVisible();
  expect((await sandbox.authenticators(user.id)).map((a) => a.verificationMethod)).toEqual(["SMS"]);
});

test("an expired link explains itself and links back to the app without a token", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-expired");
  const { url } = await sandbox.track(user.id, "enroll", { redirectToSettings: true });
  await sandbox.advanceClock(user.id, 10 * 60);

  await page.goto(url);
  await expect(page.getByRole("heading", { name: "This link has expired" })).toBeVisible();
  const back = page.getByRole("link", { name: "Return to the app" });
  await expect(back).toHaveAttribute("href", sandbox.returnUrl);
  await screenshot(page, "expired-link");
  await back.click();
  await expect(page).toHaveURL(sandbox.returnUrl);
});

test("a tampered link is refused", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-tampered");
  const { url } = await sandbox.track(user.id, "enroll");
  await page.goto(`${url.slice(0, -3)}abc`);
  await expect(page.getByRole("heading", { name: "This link isn't valid" })).toBeVisible();
  await screenshot(page, "invalid-link");
});
