import { expect, test } from "@playwright/test";
import { newCustomer, signUp } from "./support/customer";

// The Content-Security-Policy is strict (nonces, no inline), yet the app must still hydrate.
test("pages hydrate under the CSP with no violation", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`Refused to load: CSP ${e.violatedDirective} ${e.blockedURI} in ${e.documentURI} under "${e.originalPolicy}"`),
    );
  });

  const customer = newCustomer("csp");
  await signUp(page, customer);
  const response = await page.goto("/account");
  expect(response?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await expect(page.getByText("Two-step sign-in is off")).toBeVisible();

  await expect(page.locator("body[data-hydrated]")).toBeAttached({ timeout: 30_000 });
  // Hydrated: the launch button runs the server function from JavaScript (a fetch, which
  // only the wasm app makes), not a plain form post.
  const serverFn = page.waitForRequest((r) => r.url().includes("/api/launch_authenticator_settings") && r.method() === "POST");
  await page.getByRole("button", { name: "Enroll authenticator" }).click();
  expect((await serverFn).resourceType()).toBe("fetch");
  await expect(page).toHaveURL(/\/sandbox\/ui/);
  expect(violations).toEqual([]);
});
