// Enrollment in the sandbox's pre-built UI: email, SMS, authenticator app, wrong codes.
import { expect, test } from "@playwright/test";
import { Sandbox, enterCode, expectReturnedWithValidToken, newUser, screenshot, totp } from "./sandbox";

test("enroll email with the code from the outbox, then Done returns to the app", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-email");
  const { url, state } = await sandbox.track(user.id, "enroll", { redirectToSettings: true });
  expect(state).toBe("ALLOW");

  await page.goto(url);
  await expect(page.getByRole("heading", { name: "Set up an authenticator" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Passkey", exact: true })).toBeVisible();
  await screenshot(page, "enroll-choose-method");
  await page.getByRole("button", { name: "Email", exact: true }).click();

  await page.getByLabel("Email address").fill("not-an-email");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toContainText("is not a valid email address");
  await page.getByLabel("Email address").fill(user.email);
  await screenshot(page, "enroll-email-address");
  await page.getByRole("button", { name: "Continue" }).click();

  await expect(page.getByRole("heading", { name: "Check your email" })).toBeVisible();
  await screenshot(page, "enroll-code");
  await enterCode(page, await sandbox.latestCode(user.email));

  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Authenticator added.");
  await expect(page.getByRole("listitem")).toContainText(user.email);
  await page.getByRole("button", { name: "Done" }).click();

  const result = await expectReturnedWithValidToken(page, sandbox, user.id, "enroll");
  expect(result.verificationMethod).toBe("EMAIL_OTP");
  await screenshot(page, "outbox");
});

test("enroll SMS, returning straight to the app without the settings screen", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-sms");
  const { url } = await sandbox.track(user.id, "enroll");

  await page.goto(url);
  await page.getByRole("button", { name: "SMS", exact: true }).click();
  await page.getByLabel("Phone number").fill(user.phone);
  await screenshot(page, "enroll-phone-number");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Check your phone" })).toBeVisible();
  await enterCode(page, await sandbox.latestCode(user.phone));

  const result = await expectReturnedWithValidToken(page, sandbox, user.id, "enroll");
  expect(result.verificationMethod).toBe("SMS");
});

test("enroll an authenticator app with a computed TOTP code", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-totp");
  const { url } = await sandbox.track(user.id, "enroll", { redirectToSettings: true });

  await page.goto(url);
  await page.getByRole("button", { name: "Authenticator app", exact: true }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.getByLabel("Secret key").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByText(`otpauth://totp/`)).toContainText(`secret=${secret}`);
  await screenshot(page, "enroll-authenticator-app");

  await enterCode(page, "000000" === totp(secret, await sandbox.nowFor(user.id)) ? "111111" : "000000");
  await expect(page.getByRole("alert")).toContainText("That code isn't right");
  await enterCode(page, totp(secret, await sandbox.nowFor(user.id)));

  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "Authenticator app" })).toBeVisible();
  expect((await sandbox.authenticators(user.id)).map((a) => a.verificationMethod)).toEqual(["AUTHENTICATOR_APP"]);
});

test("five wrong codes burn the code; a new code works", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("pw-wrong");
  const { url } = await sandbox.track(user.id, "enroll", { redirectToSettings: true, email: user.email });

  await page.goto(url);
  await page.getByRole("button", { name: "Email", exact: true }).click();
  // Track named the address, so (as in Authsignal) the address step is skipped: the code is sent.
  await expect(page.getByLabel("Verification code")).toBeVisible();
  await expect(page.getByLabel("Email address")).toHaveCount(0);
  const code = await sandbox.latestCode(user.email);
  const wrong = code === "000000" ? "111111" : "000000";

  for (const left of ["4 attempts", "3 attempts", "2 attempts", "1 attempt"]) {
    await enterCode(page, wrong);
    await expect(page.getByRole("alert")).toHaveText(`That code isn't right. You have ${left} left.`);
  }
  await enterCode(page, wrong);
  await expect(page.getByRole("alert")).toContainText("Too many incorrect attempts");
  await enterCode(page, code);
  await expect(page.getByRole("alert")).toContainText("send a new code");
  await screenshot(page, "code-too-many-attempts");

  await page.getByRole("button", { name: "Send a new code" }).click();
  await expect(page.getByRole("status")).toHaveText("We sent you a new code.");
  await enterCode(page, await sandbox.latestCode(user.email, 1));
  await expect(page.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
});
