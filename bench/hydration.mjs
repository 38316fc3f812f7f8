// Loads /account once in headless Debian Chromium (Playwright from end2end/) with a
// benchmark customer's cookie, waits for hydration to settle, and reports what the browser
// fetched (bytes on the wire) and how many Authsignal calls the sandbox saw for the view:
// the server-side render's calls plus any made because of hydration.
// Usage: node bench/hydration.mjs BASE SANDBOX "cookie header"
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "end2end", "package.json"));
const { chromium } = require("playwright");

const [base, sandbox, cookieHeader] = process.argv.slice(2);
const cookies = cookieHeader.split("; ").map((pair) => {
  const i = pair.indexOf("=");
  return { name: pair.slice(0, i), value: pair.slice(i + 1), url: base };
});

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const finished = [];
  page.on("requestfinished", (request) => finished.push(request));
  await fetch(`${sandbox}/_test/stats`, { method: "DELETE" });
  const started = Date.now();
  await page.goto(`${base}/account`, { waitUntil: "networkidle" });
  await page.waitForTimeout(1500);
  const settledMs = Date.now() - started;
  const stats = await (await fetch(`${sandbox}/_test/stats`)).json();
  const requests = [];
  for (const request of finished) {
    const sizes = await request.sizes();
    const response = await request.response();
    requests.push({
      url: request.url().replace(base, ""),
      method: request.method(),
      status: response ? response.status() : null,
      encoding: response ? (await response.allHeaders())["content-encoding"] ?? "identity" : null,
      wireBytes: sizes.responseBodySize + sizes.responseHeadersSize,
      bodyBytes: sizes.responseBodySize,
    });
  }
  const apiCalls = requests.filter((r) => r.url.startsWith("/api/"));
  const button = await page.getByRole("button", { name: /Manage authenticators|Enroll authenticator/ }).count();
  console.log(JSON.stringify({
    settledMs,
    upstreamCallsForTheView: stats,
    serverFunctionCallsFromTheBrowser: apiCalls.length,
    requests,
    wireBytesTotal: requests.reduce((n, r) => n + r.wireBytes, 0),
    primaryButtons: button,
    pageErrors: errors,
  }, null, 2));
} finally {
  await browser.close();
}
