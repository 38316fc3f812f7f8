import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { PASSWORD } from "./support/customer";

// Runs after every other journey (project "log-hygiene"): the server's whole log of sign-ups,
// sign-ins, launches, returns with tokens, OTP codes and faults must hold no secret.
const logFile = path.join(process.env.STOREFRONT_E2E_DIR ?? "", "server.log");

test("the server log of every journey holds no secret, token, password or code", async ({ request }) => {
  test.skip(!!process.env.PW_NO_WEBSERVER, "the server was started outside Playwright; its log is elsewhere");
  const log = fs.readFileSync(logFile, "utf8");
  expect(log).toContain("customer signed up"); // the journeys really were logged here
  expect(log).toContain("sandbox code delivered to the outbox");

  const leaks: [string, RegExp][] = [
    ["the sandbox secret key", /sandbox-secret/],
    ["a customer password", new RegExp(PASSWORD)],
    ["a JWT (Authsignal token)", /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
    ["a token in a query string", /[?&]token=[^&\s"]+/],
    ["a session cookie", /storefront_session=/],
    ["an Authorization header", /authorization:\s*(basic|bearer)/i],
  ];
  // The custom-UI storefront's log too: it holds Client API calls made with customers' tokens.
  const customLog = path.join(process.env.STOREFRONT_E2E_DIR ?? "", "custom", "server.log");
  for (const [file, text] of [[logFile, log], [customLog, fs.readFileSync(customLog, "utf8")]]) {
    for (const [what, pattern] of leaks) {
      const hit = text.split("\n").find((line) => pattern.test(line));
      expect(hit, `${what} leaked into ${file}`).toBeUndefined();
    }
  }

  // Every code the sandbox "sent" during the run, and every address it sent one to (the
  // customers' emails and phone numbers): none may appear in the log.
  const messages: { code: string; to: string }[] = await (await request.get("/sandbox/outbox/messages")).json();
  expect(messages.length).toBeGreaterThan(0);
  for (const { code, to } of messages) {
    // A code on its own, not six digits inside a longer id (user ids are hex).
    const hit = log.split("\n").find((line) => new RegExp(`(?<![\\w.])${code}(?!\\w)`).test(line));
    expect(hit, `OTP code ${code} leaked into the log`).toBeUndefined();
    const address = log.split("\n").find((line) => line.includes(to));
    expect(address, `the address ${to} leaked into the log`).toBeUndefined();
  }
});
