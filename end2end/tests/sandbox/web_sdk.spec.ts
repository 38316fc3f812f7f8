// The official Web SDK (@authsignal/browser, unchanged) against the embedded sandbox's Client
// API, in a page of the storefront's origin so WebAuthn's origin is the storefront's, with
// Chromium's virtual authenticator: passkey sign-up (with and without the scope), usernameless
// sign-in, authenticator app, email code, and an expired token.
import { expect, Page, test } from "@playwright/test";
import * as path from "node:path";
import { VirtualAuthenticator } from "../support/virtual_authenticator";
import { Sandbox, newUser, totp } from "./sandbox";

const SDK = path.join(__dirname, "../../node_modules/@authsignal/browser/dist/index.min.js");
const TENANT_ID = "sandbox-tenant";

// The SDK goes in as an inline script tag, which the storefront's CSP would refuse.
test.use({ bypassCSP: true });

type SdkResult = {
  data?: Record<string, unknown> & { token?: string };
  error?: string;
  errorCode?: string;
  errorDescription?: string;
};

/** Opens the storefront's home page and creates `window.sdk = new authsignal.Authsignal(…)`. */
async function loadSdk(page: Page, sandbox: Sandbox) {
  await page.goto("/");
  await page.addScriptTag({ path: SDK });
  await page.evaluate(
    ({ tenantId, baseUrl }) => {
      const w = window as unknown as Record<string, any>;
      w.tokenExpired = false;
      w.sdk = new w.authsignal.Authsignal({ tenantId, baseUrl, onTokenExpired: () => (w.tokenExpired = true) });
    },
    { tenantId: TENANT_ID, baseUrl: `${sandbox.url}/v1` },
  );
}

/** Runs `sdk.<area>.<method>(arg)` in the page, after `setToken(token)` when given. */
function call(page: Page, area: string, method: string, arg?: unknown, token?: string): Promise<SdkResult> {
  return page.evaluate(
    async ({ area, method, arg, token }) => {
      const sdk = (window as unknown as Record<string, any>).sdk;
      if (token) sdk.setToken(token);
      return sdk[area][method](arg);
    },
    { area, method, arg, token },
  );
}

test("passkey sign-up for a new user, then usernameless sign-in", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-passkey");
  const authenticator = await VirtualAuthenticator.attach(page);
  await loadSdk(page, sandbox);

  const { token } = await sandbox.track(user.id, "addPasskey");
  const signedUp = await call(page, "passkey", "signUp", { token, username: user.email });
  expect(signedUp.errorCode, JSON.stringify(signedUp)).toBeUndefined();
  expect(signedUp.data?.token).toBeTruthy();
  expect((signedUp.data?.userAuthenticator as { verificationMethod: string }).verificationMethod).toBe("PASSKEY");
  expect(await authenticator.credentialCount()).toBe(1);
  const added = await sandbox.validate(signedUp.data!.token!, user.id, "addPasskey");
  expect(added).toMatchObject({ isValid: true, state: "CHALLENGE_SUCCEEDED", verificationMethod: "PASSKEY" });
  const [passkey] = (await sandbox.authenticators(user.id)) as unknown as Array<{
    webauthnCredential: { aaguidMapping?: { name: string } };
  }>;
  expect(passkey.webauthnCredential.aaguidMapping?.name).toBe("Virtual authenticator");

  // No token: the SDK authenticates with the tenant id; the passkey says who it is.
  const signedIn = await call(page, "passkey", "signIn", { action: "signInWithPasskey" });
  expect(signedIn.errorCode, JSON.stringify(signedIn)).toBeUndefined();
  expect(signedIn.data).toMatchObject({ isVerified: true, userId: user.id, username: user.email });
  const validated = await sandbox.validate(signedIn.data!.token!, user.id, "signInWithPasskey");
  expect(validated).toMatchObject({ isValid: true, state: "CHALLENGE_SUCCEEDED", verificationMethod: "PASSKEY" });
});

test("passkey sign-in with autofill on a username field", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-autofill");
  await VirtualAuthenticator.attach(page);
  await loadSdk(page, sandbox);
  const { token } = await sandbox.track(user.id, "addPasskey");
  expect((await call(page, "passkey", "signUp", { token })).errorCode).toBeUndefined();

  // Conditional mediation needs an input the browser can offer passkeys on.
  await page.evaluate(() => {
    const input = document.createElement("input");
    input.autocomplete = "username webauthn";
    input.id = "sdk-autofill";
    document.body.append(input);
  });
  const signedIn = await call(page, "passkey", "signIn", { action: "signIn", autofill: true });
  expect(signedIn.data, JSON.stringify(signedIn)).toMatchObject({ isVerified: true, userId: user.id });
  expect(await sandbox.validate(signedIn.data!.token!, user.id, "signIn")).toMatchObject({ isValid: true });
});

test("adding a passkey to an enrolled user needs add:authenticators", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-scope");
  const authenticator = await VirtualAuthenticator.attach(page);
  await sandbox.enrollEmail(user.id, user.email);
  await loadSdk(page, sandbox);

  const plain = await sandbox.track(user.id, "addPasskey");
  const refused = await call(page, "passkey", "signUp", { token: plain.token });
  expect(refused.errorCode).toBe("insufficient_scope");
  expect(refused.error).toContain("add:authenticators");
  expect(await authenticator.credentialCount()).toBe(0);

  const scoped = await sandbox.track(user.id, "addPasskey", { scope: "add:authenticators" });
  const added = await call(page, "passkey", "signUp", { token: scoped.token });
  expect(added.errorCode, JSON.stringify(added)).toBeUndefined();
  expect(await sandbox.validate(added.data!.token!, user.id, "addPasskey")).toMatchObject({ isValid: true });
  expect((await sandbox.authenticators(user.id)).map((a) => a.verificationMethod).sort()).toEqual(["EMAIL_OTP", "PASSKEY"]);
});

test("authenticator app: enroll, then verify a code", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-totp");
  await loadSdk(page, sandbox);
  const { token } = await sandbox.track(user.id, "enroll");

  const enrolled = await call(page, "totp", "enroll", undefined, token);
  expect(enrolled.errorCode, JSON.stringify(enrolled)).toBeUndefined();
  const secret = enrolled.data!.secret as string;
  expect(enrolled.data!.uri as string).toMatch(/^otpauth:\/\/totp\//);

  const wrong = await call(page, "totp", "verify", { code: "12345x" });
  expect(wrong.data).toMatchObject({ isVerified: false });
  const verified = await call(page, "totp", "verify", { code: totp(secret, await sandbox.nowFor(user.id)) });
  expect(verified.data, JSON.stringify(verified)).toMatchObject({ isVerified: true });
  expect(await sandbox.validate(verified.data!.token!, user.id, "enroll")).toMatchObject({
    isValid: true,
    state: "CHALLENGE_SUCCEEDED",
    verificationMethod: "AUTHENTICATOR_APP",
  });
});

test("email code: enroll, then verify the code from the outbox", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-email");
  await loadSdk(page, sandbox);
  const { token } = await sandbox.track(user.id, "enroll");

  const enrolled = await call(page, "email", "enroll", { email: user.email }, token);
  expect(enrolled.data, JSON.stringify(enrolled)).toMatchObject({ userId: user.id });
  const verified = await call(page, "email", "verify", { code: await sandbox.latestCode(user.email) });
  expect(verified.data, JSON.stringify(verified)).toMatchObject({ isVerified: true });
  expect(await sandbox.validate(verified.data!.token!, user.id, "enroll")).toMatchObject({
    isValid: true,
    verificationMethod: "EMAIL_OTP",
  });
  expect((await sandbox.authenticators(user.id)).map((a) => a.verificationMethod)).toEqual(["EMAIL_OTP"]);
});

test("an expired token is refused with expired_token and onTokenExpired", async ({ page }, testInfo) => {
  const sandbox = Sandbox.for(testInfo);
  const user = newUser("sdk-expired");
  await loadSdk(page, sandbox);
  const { token } = await sandbox.track(user.id, "enroll");
  await sandbox.advanceClock(user.id, 11 * 60);

  const refused = await call(page, "totp", "enroll", undefined, token);
  expect(refused.errorCode).toBe("expired_token");
  expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).tokenExpired)).toBe(true);
  const garbage = await call(page, "email", "enroll", { email: user.email }, "not-a-token");
  expect(garbage.errorCode).toBe("invalid_token");
});
