// Sandbox faults (global to the sandbox), so this file runs alone, after every other test.
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { newCustomer, signUp } from "../support/customer";

test.describe.configure({ mode: "serial" });

async function setFault(baseURL: string, fault: object) {
  const response = await fetch(`${baseURL}/sandbox/_faults`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  expect(response.ok).toBeTruthy();
}

async function clearFaults(baseURL: string) {
  await fetch(`${baseURL}/sandbox/_faults`, { method: "DELETE" });
}

test.afterEach(async ({ baseURL }) => clearFaults(baseURL!));

for (const [name, fault] of [
  ["503 from getUser", { route: "getUser", status: 503 }],
  ["429 everywhere", { route: "*", status: 429 }],
  ["garbage from getAuthenticators", { route: "getAuthenticators", malformedBody: true }],
  ["a dropped connection", { route: "getUser", dropConnection: true }],
  ["slower than the timeout", { route: "getAuthenticators", latencyMs: 4000 }],
] as const) {
  test(`the section says it is unavailable on ${name}; the page still renders`, async ({ page, baseURL }) => {
    const customer = newCustomer("fault");
    await signUp(page, customer);
    await setFault(baseURL!, fault);
    const response = await page.goto("/account");
    expect(response?.status()).toBe(200);
    await expect(page.getByText("Security settings are temporarily unavailable.")).toBeVisible();
    await expect(page.getByText(customer.email)).toBeVisible();
    if (name === "503 from getUser") {
      await page.screenshot({ path: "screenshots/account-unavailable.png", fullPage: true });
      const results = await new AxeBuilder({ page }).analyze();
      expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
    }
    await clearFaults(baseURL!);
    await page.getByRole("link", { name: "Try again" }).click();
    await expect(page.getByText("Two-step sign-in is off")).toBeVisible();
  });
}

test("a launch during an outage comes back with a message and nothing lost", async ({ page, baseURL }) => {
  const customer = newCustomer("fault-launch");
  await signUp(page, customer);
  await setFault(baseURL!, { route: "track", status: 500 });
  await page.getByRole("button", { name: "Enroll authenticator" }).click();
  await expect(page.getByText("We couldn't reach our security provider, so nothing was changed.")).toBeVisible();
  await expect(page).toHaveURL(/\/account$/);
});

test("Authsignal down during an enrolled customer's sign-in: refused, no session", async ({ page, baseURL }, testInfo) => {
  const { enrollEmail, sandboxFor } = await import("./journey");
  const { signOut } = await import("../support/customer");
  const customer = newCustomer("fault-2fa");
  await signUp(page, customer);
  await enrollEmail(page, sandboxFor(testInfo), customer);
  await signOut(page);

  await setFault(baseURL!, { route: "track", status: 503 });
  await page.goto("/signin");
  await page.getByLabel("Email").fill(customer.email);
  await page.getByLabel("Password").fill(customer.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Two-step sign-in is temporarily unavailable. Please try again in a few minutes.");
  await page.screenshot({ path: "screenshots/sign-in-unavailable.png", fullPage: true });
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin/);
});
