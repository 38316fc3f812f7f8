import { defineConfig, devices } from "@playwright/test";
import * as os from "node:os";
import * as path from "node:path";

// One fresh data directory per run, so every run starts from an empty shop.
const dataDir = path.join(os.tmpdir(), `storefront-e2e-${process.pid}`);
const port = Number(process.env.STOREFRONT_PORT ?? 3000);
const baseURL = process.env.STOREFRONT_BASE_URL ?? `http://localhost:${port}`;

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
  retries: 0,
  reporter: process.env.CI ? "list" : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "chromium",
      testIgnore: /faults\.spec\.ts/,
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
  ],
  // The built storefront binary, embedded sandbox with fault injection on, fresh SQLite files.
  webServer: process.env.PW_NO_WEBSERVER
    ? undefined
    : {
        command: `mkdir -p ${dataDir} && exec target/debug/storefront`,
        cwd: path.join(__dirname, ".."),
        url: `${baseURL}/healthz`,
        reuseExistingServer: !process.env.CI,
        timeout: 120_000,
        stdout: "pipe",
        stderr: "pipe",
        env: {
          LEPTOS_SITE_ROOT: "target/site",
          LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
          STOREFRONT_BASE_URL: baseURL,
          DATABASE_URL: `sqlite://${dataDir}/storefront.db`,
          STOREFRONT_DATA_DIR: dataDir,
          AUTHSIGNAL_SANDBOX_FAULTS: "1",
          RUST_LOG: "info",
        },
      },
});
