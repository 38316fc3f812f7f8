import { expect, test } from "@playwright/test";
import { newCustomer, signIn, signOut, signUp } from "./support/customer";

test.describe("accounts", () => {
  test("sign up, see the account, sign out, get sent to sign in, sign in again", async ({ page }) => {
    const customer = newCustomer();
    await signUp(page, customer);
    await expect(page.getByRole("heading", { name: "Account settings" })).toBeVisible();
    await expect(page.getByText(customer.name).first()).toBeVisible();
    await expect(page.getByText(customer.email)).toBeVisible();
    await page.screenshot({ path: "screenshots/account.png", fullPage: true });

    await signOut(page);
    await page.goto("/account");
    await expect(page).toHaveURL(/\/signin\?next=%2Faccount$/);

    await page.getByLabel("Email").fill(customer.email);
    await page.getByLabel("Password").fill(customer.password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText(customer.email)).toBeVisible();
  });

  test("a wrong password keeps the email and says so", async ({ page }) => {
    const customer = newCustomer();
    await signUp(page, customer);
    await signOut(page);
    await signIn(page, { ...customer, password: "not the password" });
    await expect(page.getByRole("alert")).toHaveText("That email and password don't match an account.");
    await expect(page.getByLabel("Email")).toHaveValue(customer.email);
    await expect(page.getByLabel("Password")).toHaveValue("");
    await page.screenshot({ path: "screenshots/signin-error.png", fullPage: true });
  });

  test("a duplicate email is refused on the form, keeping what was typed", async ({ page }) => {
    const customer = newCustomer();
    await signUp(page, customer);
    await signOut(page);
    await page.goto("/signup");
    await page.getByLabel("Email").fill(customer.email);
    await page.getByLabel("Name").fill("Someone Else");
    await page.getByLabel("Password").fill(customer.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("alert")).toContainText("already exists");
    await expect(page.getByLabel("Name")).toHaveValue("Someone Else");
    await expect(page.getByLabel("Email")).toHaveValue(customer.email);
  });

  test("pages render for a visitor", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Good tools for everyday work" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
    await page.screenshot({ path: "screenshots/home.png", fullPage: true });
    await page.goto("/signup");
    await page.screenshot({ path: "screenshots/signup.png", fullPage: true });
    await page.goto("/signin");
    await page.screenshot({ path: "screenshots/signin.png", fullPage: true });
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("sign up, sign out and sign in work as plain forms", async ({ page }) => {
    const customer = newCustomer("nojs");
    await signUp(page, customer);
    await expect(page.getByText(customer.email)).toBeVisible();
    await signOut(page);
    await signIn(page, customer);
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText(customer.name).first()).toBeVisible();
  });
});
