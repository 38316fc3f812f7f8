// Verified email at sign-up (STOREFRONT_SIGN_UP_VERIFIES_EMAIL=1 on the custom storefront):
// sign-up mails a 6-digit code by the storefront's own mail (read from the dev mailbox), a
// wrong code gets a message, the right one verifies the email and turns two-step sign-in on.
import { expect, Page, test } from "@playwright/test";
import { Customer, newCustomer, signUp } from "../support/customer";
import { waitForMail } from "../account/journey";

const SUBJECT = "your verification code";

/** The sign-up form; with the setting on it lands on the page to enter the code. */
async function signUpToVerify(page: Page, customer: Customer) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(customer.email);
  await page.getByLabel("Name").fill(customer.name);
  await page.getByLabel("Password").fill(customer.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/verify-email/);
  await expect(page.getByRole("heading", { name: "Verify your email" })).toBeVisible();
}

async function mailedCode(page: Page, customer: Customer): Promise<string> {
  const mail = await waitForMail(page, customer.email, SUBJECT);
  const code = /Verification code: (\d{6})/.exec(mail.text)?.[1];
  expect(code, mail.text).toBeTruthy();
  return code!;
}

async function enterCode(page: Page, code: string) {
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Verify", exact: true }).click();
}

async function journey(page: Page, screenshot?: string) {
  const customer = newCustomer("verify");
  await signUpToVerify(page, customer);
  await expect(page.getByRole("button", { name: "Send a new code" })).toBeVisible();
  if (screenshot) {
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  const code = await mailedCode(page, customer);

  const wrong = `${code[0] === "1" ? "2" : "1"}${code.slice(1)}`;
  await enterCode(page, wrong);
  await expect(page).toHaveURL(/\/verify-email$/);
  await expect(page.getByRole("alert")).toContainText("That code isn't right. You have 4 more tries");

  await enterCode(page, code);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
  await expect(page.getByRole("button", { name: "Manage authenticators" })).toBeVisible();
  await expect(page.getByText("Your email is verified.")).toBeVisible();
}

test("sign-up verifies the email with a mailed code and turns two-step sign-in on", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  await journey(page, "screenshots/verify-email-360.png");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the same journey with plain forms", async ({ page }) => {
    await journey(page);
  });
});

test("the shared sign-up helper verifies later and lands on the account page", async ({ page }) => {
  const customer = newCustomer("later");
  await signUp(page, customer);
  await expect(page.getByRole("link", { name: "Verify your email" })).toBeVisible();
});
