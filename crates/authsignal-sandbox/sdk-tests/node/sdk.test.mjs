// The official @authsignal/node SDK, unchanged, against the sandbox.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { Authsignal, AuthsignalError } from "@authsignal/node";
import {
  SANDBOX_URL,
  SECRET_KEY,
  clearFaults,
  completeEmailChallenge,
  setFault,
  uniqueUserId,
} from "./ui-driver.mjs";
import { startWebhookReceiver } from "./webhook-receiver.mjs";

const authsignal = new Authsignal({ apiSecretKey: SECRET_KEY, apiUrl: `${SANDBOX_URL}/v1`, retries: 0 });
// Listening before any test runs, so every event the sandbox sends gets its 200.
const webhooks = await startWebhookReceiver();
after(() => webhooks?.close());

async function enrollEmail(userId, email) {
  return authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "EMAIL_OTP", email },
  });
}

async function rejects(promise, statusCode, errorCode) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof AuthsignalError, `expected AuthsignalError, got ${error}`);
    assert.equal(error.statusCode, statusCode);
    assert.equal(error.errorCode, errorCode);
    assert.ok(error.errorDescription?.length > 0, "has a description");
    return true;
  });
}

test("getUser: an unknown user is not enrolled", async () => {
  const user = await authsignal.getUser({ userId: uniqueUserId("node-unknown") });
  assert.deepEqual(user, { isEnrolled: false });
});

test("updateUser then getUser", async () => {
  const userId = uniqueUserId("node-update");
  const updated = await authsignal.updateUser({
    userId,
    attributes: { email: "jane@example.com", displayName: "Jane", custom: { plan: "pro" } },
  });
  assert.equal(updated.userId, userId);
  assert.equal(updated.email, "jane@example.com");
  assert.deepEqual(updated.custom, { plan: "pro" });
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false);
  assert.equal(user.displayName, "Jane");
  await rejects(authsignal.updateUser({ userId, attributes: { email: "nope" } }), 400, "invalid_request");
});

test("enrollVerifiedAuthenticator, getAuthenticators, deleteAuthenticator", async () => {
  const userId = uniqueUserId("node-enroll");
  const { authenticator } = await enrollEmail(userId, "enroll@example.com");
  assert.equal(authenticator.verificationMethod, "EMAIL_OTP");
  assert.equal(authenticator.email, "enroll@example.com");
  assert.equal(authenticator.userId, userId);

  const sms = await authsignal.enrollVerifiedAuthenticator({
    userId,
    attributes: { verificationMethod: "SMS", phoneNumber: "+14155550123" },
  });
  assert.equal(sms.authenticator.phoneNumber, "+14155550123");

  await rejects(
    authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: "SMS", phoneNumber: "555" } }),
    400,
    "invalid_request",
  );
  await rejects(
    authsignal.enrollVerifiedAuthenticator({ userId, attributes: { verificationMethod: "PASSKEY" } }),
    400,
    "invalid_request",
  );

  const authenticators = await authsignal.getAuthenticators({ userId });
  assert.ok(Array.isArray(authenticators));
  assert.deepEqual(authenticators.map((a) => a.verificationMethod), ["EMAIL_OTP", "SMS"]);
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, true);
  assert.equal(user.defaultVerificationMethod, "EMAIL_OTP");

  const stranger = uniqueUserId("node-stranger");
  await rejects(
    authsignal.deleteAuthenticator({ userId: stranger, userAuthenticatorId: authenticator.userAuthenticatorId }),
    404,
    "not_found",
  );
  await authsignal.deleteAuthenticator({ userId, userAuthenticatorId: sms.authenticator.userAuthenticatorId });
  assert.equal((await authsignal.getAuthenticators({ userId })).length, 1);
});

test("track: ALLOW with an enrollment url for a new user, CHALLENGE_REQUIRED once enrolled", async () => {
  const userId = uniqueUserId("node-track");
  const first = await authsignal.track({
    userId,
    action: "signIn",
    attributes: { redirectUrl: "https://app.example/back", redirectToSettings: true },
  });
  assert.equal(first.state, "ALLOW");
  assert.equal(first.isEnrolled, false);
  assert.ok(first.url.startsWith(`${SANDBOX_URL}/ui?token=`));
  assert.ok(first.token && first.idempotencyKey);

  await enrollEmail(userId, "track@example.com");
  const second = await authsignal.track({ userId, action: "signIn", attributes: { idempotencyKey: "node-key-1" } });
  assert.equal(second.state, "CHALLENGE_REQUIRED");
  assert.equal(second.idempotencyKey, "node-key-1");
  const again = await authsignal.track({ userId, action: "signIn", attributes: { idempotencyKey: "node-key-1" } });
  assert.equal(again.token, second.token, "idempotent");

  await rejects(authsignal.track({ userId, action: "sign in!" }), 400, "invalid_request");
});

test("getAction and updateAction", async () => {
  const userId = uniqueUserId("node-action");
  await enrollEmail(userId, "action@example.com");
  const { idempotencyKey } = await authsignal.track({ userId, action: "checkout" });
  const action = await authsignal.getAction({ userId, action: "checkout", idempotencyKey });
  assert.equal(action.state, "CHALLENGE_REQUIRED");
  assert.ok(action.createdAt && action.stateUpdatedAt);
  const updated = await authsignal.updateAction({
    userId,
    action: "checkout",
    idempotencyKey,
    attributes: { state: "REVIEW_REQUIRED" },
  });
  assert.equal(updated.state, "REVIEW_REQUIRED");
  assert.equal((await authsignal.getAction({ userId, action: "checkout", idempotencyKey })).state, "REVIEW_REQUIRED");
  await rejects(authsignal.getAction({ userId, action: "checkout", idempotencyKey: "missing" }), 404, "not_found");
});

test("validateChallenge: pending, completed in the pre-built UI, wrong user, wrong action", async () => {
  const userId = uniqueUserId("node-validate");
  const email = `${userId}@example.com`;
  await enrollEmail(userId, email);
  const tracked = await authsignal.track({
    userId,
    action: "signIn",
    attributes: { redirectUrl: "https://app.example/callback?from=node" },
  });

  const pending = await authsignal.validateChallenge({ token: tracked.token, userId, action: "signIn" });
  assert.equal(pending.isValid, false);
  assert.equal(pending.state, "CHALLENGE_REQUIRED");

  const token = await completeEmailChallenge(tracked.url, email);
  const valid = await authsignal.validateChallenge({ token, userId, action: "signIn" });
  assert.equal(valid.isValid, true);
  assert.equal(valid.state, "CHALLENGE_SUCCEEDED");
  assert.equal(valid.action, "signIn", "the SDK maps actionCode to action");
  assert.equal(valid.userId, userId);
  assert.equal(valid.verificationMethod, "EMAIL_OTP");
  assert.equal(valid.idempotencyKey, tracked.idempotencyKey);

  assert.deepEqual(await authsignal.validateChallenge({ token, userId: "someone-else" }), {
    isValid: false,
    error: "User is invalid.",
    action: undefined,
  });
  const wrongAction = await authsignal.validateChallenge({ token, action: "transfer" });
  assert.equal(wrongAction.error, "Action is invalid.");
  const forged = await authsignal.validateChallenge({ token: `${token.slice(0, -2)}xx` });
  assert.equal(forged.isValid, false);
});

test("deleteUser", async () => {
  const userId = uniqueUserId("node-delete");
  await enrollEmail(userId, "delete@example.com");
  await authsignal.deleteUser({ userId });
  assert.deepEqual(await authsignal.getUser({ userId }), { isEnrolled: false });
});

test("a wrong secret key is a 401 unauthorized", async () => {
  const wrong = new Authsignal({ apiSecretKey: "wrong", apiUrl: `${SANDBOX_URL}/v1`, retries: 0 });
  await assert.rejects(wrong.getUser({ userId: "x" }), (error) => {
    assert.equal(error.statusCode, 401);
    assert.equal(error.errorCode, "unauthorized");
    assert.equal(
      error.errorDescription,
      "The request is unauthorized. Check that your API key and region base URL are correctly configured.",
    );
    return true;
  });
});

test("injected faults surface as SDK errors", { concurrency: false }, async (t) => {
  t.after(clearFaults);
  const userId = uniqueUserId("node-faults");
  await setFault({ route: "track", status: 429, times: 1 });
  await rejects(authsignal.track({ userId, action: "signIn" }), 429, "too_many_requests");
  await setFault({ route: "getUser", status: 503, times: 1 });
  await assert.rejects(authsignal.getUser({ userId }), (error) => error.statusCode === 503);
  const user = await authsignal.getUser({ userId });
  assert.equal(user.isEnrolled, false, "the fault ran out");
});

test(
  "webhook.constructEvent accepts the sandbox's signed events and refuses tampered ones",
  { skip: !webhooks && "run.sh sets SANDBOX_WEBHOOK_PORT" },
  async () => {
    const userId = uniqueUserId("node-webhook");
    const { authenticator } = await enrollEmail(userId, "webhook@example.com");
    const created = await webhooks.next((e) => e.data?.userId === userId && e.type === "authenticator.created");
    assert.equal(created.contentType, "application/json");

    const event = authsignal.webhook.constructEvent(created.body, created.signature);
    assert.equal(event.version, 1);
    assert.equal(event.source, "https://authsignal.com");
    assert.equal(event.tenantId, "sandbox-tenant");
    assert.match(event.id, /^[0-9a-f-]{36}$/);
    assert.equal(event.data.userAuthenticatorId, authenticator.userAuthenticatorId);
    assert.equal(event.data.verificationMethod, "EMAIL_OTP");
    assert.equal(event.data.email, "webhook@example.com");
    assert.equal(event.data.createdAt, authenticator.createdAt);
    assert.equal(event.data.isDefault, true);

    const tampered = created.body.replace("webhook@example.com", "attacker@example.com");
    assert.throws(() => authsignal.webhook.constructEvent(tampered, created.signature), /Signature mismatch/);
    const otherTenant = new Authsignal({ apiSecretKey: "another-secret", apiUrl: `${SANDBOX_URL}/v1` });
    assert.throws(() => otherTenant.webhook.constructEvent(created.body, created.signature), /Signature mismatch/);
    const signature = created.signature.split(",").find((part) => part.startsWith("v2="));
    assert.throws(
      () => authsignal.webhook.constructEvent(created.body, `t=1630000000,${signature}`),
      /tolerance/,
    );

    await authsignal.deleteAuthenticator({ userId, userAuthenticatorId: authenticator.userAuthenticatorId });
    const deleted = await webhooks.next((e) => e.data?.userId === userId && e.type === "authenticator.deleted");
    const gone = authsignal.webhook.constructEvent(deleted.body, deleted.signature);
    assert.equal(gone.data.userAuthenticatorId, authenticator.userAuthenticatorId);
    assert.ok(gone.data.deletedAt);
    assert.notEqual(gone.id, event.id);
  },
);
