import { defineConfig, devices } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";

// One fresh data directory per run, so every run starts from an empty shop. Set once in the
// runner and inherited by its workers, which read the server log from it (log_hygiene.spec.ts).
process.env.STOREFRONT_E2E_DIR ??= path.join(os.tmpdir(), `storefront-e2e-${process.pid}`);
const dataDir = process.env.STOREFRONT_E2E_DIR;
const port = Number(process.env.STOREFRONT_PORT ?? 3000);
const baseURL = process.env.STOREFRONT_BASE_URL ?? `http://localhost:${port}`;
// A second storefront with STOREFRONT_PREBUILT_UI=popup, for the popup journeys.
const popupPort = port + 10;
const popupURL = `http://localhost:${popupPort}`;
// A third with the custom UI: the second step on our own pages, and sign-up verifying the email.
const customPort = port + 20;
const customURL = `http://localhost:${customPort}`;

// Headless Debian Chromium with no background traffic (the network is closed here).
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: process.env.CI ? 2 : undefined,
  // One retry on CI, reported as flaky in the output: once in four suite runs the CSP test saw a
  // storefront page under the non-page policy; the message now names the document to find it.
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? "list" : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      testIgnore: [/faults\.spec\.ts/, /log_hygiene\.spec\.ts/, /popup\.spec\.ts/, /custom\//],
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          args: chromiumArgs,
        },
      },
    },
    {
      // Sandbox faults are global: these run alone, after everything else.
      name: "faults",
      testMatch: /faults\.spec\.ts/,
      dependencies: ["chromium"],
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs },
      },
    },
    {
      // The pre-built UI in a dialog over the account page, against the popup-mode storefront.
      name: "popup",
      testMatch: /popup\.spec\.ts/,
      use: {
        ...devices["Desktop Chrome"],
        baseURL: popupURL,
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs },
      },
    },
    {
      // Journeys in tests/custom/, against the storefront with the custom-UI settings on.
      name: "custom",
      testMatch: /custom\/.*\.spec\.ts/,
      use: {
        ...devices["Desktop Chrome"],
        baseURL: customURL,
        launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: chromiumArgs },
      },
    },
    {
      // Reads the server log of every journey above: it must hold no secret or token.
      name: "log-hygiene",
      testMatch: /log_hygiene\.spec\.ts/,
      dependencies: ["faults"],
    },
  ],
  // The built storefront binary, embedded sandbox with fault injection on, fresh SQLite files;
  // a second one in popup mode and a third with the custom UI, each with its own files.
  webServer: process.env.PW_NO_WEBSERVER
    ? undefined
    : [storefront(port, baseURL, dataDir, "server.log", {}), storefront(popupPort, popupURL, path.join(dataDir, "popup"), "server.log", { STOREFRONT_PREBUILT_UI: "popup" }),
        storefront(customPort, customURL, path.join(dataDir, "custom"), "server.log", {
          STOREFRONT_CHALLENGE_UI: "custom",
          STOREFRONT_SIGN_UP_VERIFIES_EMAIL: "1",
        })],
});

/** A storefront server for Playwright to start: its log goes to a file in `dir`. */
function storefront(port: number, url: string, dir: string, log: string, extra: Record<string, string>) {
  return {
    // The log goes to a file that log_hygiene.spec.ts greps after every other journey.
    command: `mkdir -p ${dir} && exec target/debug/storefront >> ${dir}/${log} 2>&1`,
    cwd: path.join(__dirname, ".."),
    url: `${url}/healthz`,
    reuseExistingServer: !process.env.CI,
    timeout: 120_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      LEPTOS_SITE_ROOT: "target/site",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      STOREFRONT_BASE_URL: url,
      DATABASE_URL: `sqlite://${dir}/storefront.db`,
      STOREFRONT_DATA_DIR: dir,
      AUTHSIGNAL_SANDBOX_FAULTS: "1",
      // Every journey signs up from 127.0.0.1; the default (10 per 15 min) is for the public.
      STOREFRONT_SIGN_UPS_PER_IP: "10000",
      // A debug build under two parallel browsers: 3 s, still under the 4 s latency fault.
      AUTHSIGNAL_TIMEOUT_MS: "3000",
      // Debug for our own crates, so the hygiene check sees everything they could leak.
      RUST_LOG: "info,storefront=debug,authsignal=debug,authsignal_sandbox=debug",
      ...extra,
    },
  };
}
