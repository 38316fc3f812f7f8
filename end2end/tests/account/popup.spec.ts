// Popup mode (STOREFRONT_PREBUILT_UI=popup; this project's storefront runs with it): the
// pre-built UI opens in an accessible dialog over the account page, the token comes back by
// postMessage and is completed on the server; closing the dialog changes nothing and says so;
// without JavaScript the same button still redirects.
import { expect, FrameLocator, Page, test } from "@playwright/test";
import { newCustomer, signUp } from "../support/customer";
import { Sandbox } from "../sandbox/sandbox";
import { sandboxFor } from "./journey";

/** Presses the launch button once the popup script has taken over the form (it is deferred;
 *  a click before it posts the form and redirects, as without JavaScript). */
async function press(page: Page, name: string) {
  await expect(page.locator('html[data-prebuilt-ui="popup"]')).toHaveCount(1);
  await page.getByRole("button", { name }).click();
}

function dialog(page: Page) {
  return page.getByRole("dialog", { name: "Sign-in security" });
}

function ui(page: Page): FrameLocator {
  return page.frameLocator('iframe[title="Authsignal: your authenticators"]');
}

async function enterCodeIn(frame: FrameLocator, code: string) {
  await frame.getByLabel("Verification code").fill(code);
  await frame.getByRole("button", { name: "Verify", exact: true }).click();
}

/** Enrolls email OTP inside the dialog and comes back to the updated account page. */
async function enrollEmailInPopup(page: Page, sandbox: Sandbox, email: string) {
  await press(page, "Enroll authenticator");
  await expect(dialog(page)).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
  const frame = ui(page);
  await frame.getByRole("button", { name: "Email", exact: true }).click();
  await frame.getByLabel("Email address").fill(email);
  await frame.getByRole("button", { name: "Continue" }).click();
  await enterCodeIn(frame, await sandbox.latestCode(email));
  await expect(frame.getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await page.screenshot({ path: "screenshots/popup-settings.png" });
  await frame.getByRole("button", { name: "Done" }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByText("Your authenticators were updated.")).toBeVisible();
  await expect(page.getByText("Two-step sign-in is on")).toBeVisible();
}

test("enroll and then manage in the dialog, never leaving the account page", async ({ page }, testInfo) => {
  const sandbox = sandboxFor(testInfo);
  const customer = newCustomer("popup");
  await signUp(page, customer);
  await enrollEmailInPopup(page, sandbox, customer.email);

  // Just verified by the enrollment: Manage opens the settings screen directly.
  await press(page, "Manage authenticators");
  await expect(ui(page).getByRole("heading", { name: "Your authenticators" })).toBeVisible();
  await ui(page).getByRole("button", { name: "Done" }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByText("Your authenticators were updated.")).toBeVisible();
});

test("closing the dialog changes nothing and says so", async ({ page }) => {
  const customer = newCustomer("popup-close");
  await signUp(page, customer);
  await press(page, "Enroll authenticator");
  await expect(dialog(page)).toBeVisible();
  await expect(ui(page).getByRole("button", { name: "Email", exact: true })).toBeVisible();
  await page.screenshot({ path: "screenshots/popup-open.png" });
  await dialog(page).getByRole("button", { name: "Close" }).click();
  await expect(dialog(page)).toHaveCount(0);
  await expect(page.getByRole("status").filter({ hasText: "You closed the security window. Nothing was changed." })).toBeVisible();
  await expect(page.getByText("Two-step sign-in is off")).toBeVisible();

  // The button works again, and Escape closes too.
  await press(page, "Enroll authenticator");
  await expect(dialog(page)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog(page)).toHaveCount(0);
});

test.describe("on a narrow screen", () => {
  test.use({ viewport: { width: 375, height: 740 } });
  test("the dialog fits", async ({ page }) => {
    const customer = newCustomer("popup-narrow");
    await signUp(page, customer);
    await press(page, "Enroll authenticator");
    await expect(ui(page).getByRole("button", { name: "Email", exact: true })).toBeVisible();
    const box = await dialog(page).boundingBox();
    expect(box && box.width <= 375 && box.x >= 0).toBeTruthy();
    await page.screenshot({ path: "screenshots/popup-narrow.png" });
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the button falls back to a redirect", async ({ page }) => {
    const customer = newCustomer("popup-nojs");
    await signUp(page, customer);
    await page.getByRole("button", { name: "Enroll authenticator" }).click();
    await expect(page).toHaveURL(/\/sandbox\/ui/);
  });
});
