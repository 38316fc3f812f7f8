import { expect, Page } from "@playwright/test";

export const PASSWORD = "correct horse battery";

/** A unique customer per test, so tests run in any order and in parallel. */
export function newCustomer(prefix = "customer") {
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  // `userId`: Authsignal's id for the customer, learnt from their first launch (journey.ts).
  return { email: `${prefix}-${id}@example.com`, name: `Test ${prefix} ${id.slice(-4)}`, password: PASSWORD, userId: "" };
}

export type Customer = ReturnType<typeof newCustomer>;

/** Page object for the account forms. */
export async function signUp(page: Page, c: Customer) {
  await page.goto("/signup");
  await page.getByLabel("Email").fill(c.email);
  await page.getByLabel("Name").fill(c.name);
  await page.getByLabel("Password").fill(c.password);
  await page.getByRole("button", { name: "Create account" }).click();
  // With STOREFRONT_SIGN_UP_VERIFIES_EMAIL=1 (the custom project) sign-up lands on the code
  // page first: these journeys verify later (tests/custom/verify_email.spec.ts verifies).
  await expect(page).toHaveURL(/\/(account|verify-email\?sent=signup)$/);
  if (new URL(page.url()).pathname === "/verify-email") {
    await page.getByRole("link", { name: "your account" }).click();
  }
  await expect(page).toHaveURL(/\/account$/);
}

export async function signIn(page: Page, c: Customer) {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(c.email);
  await page.getByLabel("Password").fill(c.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

export async function signOut(page: Page) {
  // The header's: the account page also has "Sign out" buttons for other devices.
  await page.getByRole("banner").getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/$/);
}
