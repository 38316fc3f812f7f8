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
  // Hydrated: the island disables the button from the first submit, so a double click
  // sends one post; the post itself is the browser's own (a document navigation, no fetch).
  const posts: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().includes("/api/launch_authenticator_settings")) posts.push(r.resourceType());
  });
  await page.getByRole("button", { name: "Enroll authenticator" }).dblclick();
  await expect(page).toHaveURL(/\/sandbox\/ui/);
  expect(posts).toEqual(["document"]);
  expect(violations).toEqual([]);
});
