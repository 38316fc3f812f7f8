// Adds a passkey in place on /account/add-passkey with Authsignal's official Web SDK (loaded
// just before this script): the server function `start_passkey_enrollment` tracks the action
// and hands over its short-lived token, `authsignal.passkey.signUp` runs the ceremony, and
// `finish_passkey_enrollment` validates the token it returns. Cancelling, or a failing
// authenticator, leaves a clear message and nothing changed.
(() => {
  const button = document.getElementById("create-passkey");
  const status = document.getElementById("add-passkey-status");
  if (!button || !status) return;
  if (!window.PublicKeyCredential) {
    status.textContent = "This browser can't create passkeys. Use Manage authenticators on your account page instead.";
    return;
  }
  // The SDK comes just before this script; should it not have run, fetch it once more.
  const sdk = window.authsignal
    ? Promise.resolve()
    : new Promise((resolve, reject) => {
        const again = document.createElement("script");
        again.src = document.querySelector('script[src*="/vendor/authsignal-browser"]')?.src ?? "";
        again.onload = resolve;
        again.onerror = reject;
        document.head.append(again);
      });
  sdk.then(ready, () => {
    status.textContent = "We couldn't load what creating a passkey needs. Reload the page to try again.";
  });

  function ready() {
    const say = (message, alert) => {
      status.textContent = message;
      status.setAttribute("role", alert ? "alert" : "status");
    };
    const call = async (name, fields) => {
      const response = await fetch(`/api/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams(fields),
      });
      const answer = await response.json().catch(() => null);
      if (response.ok) return answer;
      const words = answer && typeof answer.Rejected === "string" ? answer.Rejected : "Security settings are temporarily unavailable. Please try again in a moment.";
      throw new Error(words);
    };
    const CANCELLED = "Passkey setup was cancelled or timed out, so nothing was saved. You can try again.";
    const ALREADY = "This device already has a passkey for your account, so nothing was added. Use another device, or remove the old passkey first.";
    const VERIFY_AGAIN = "Your verification has expired, so nothing was added. Go back to your account and try again.";

    button.hidden = false;
    button.addEventListener("click", async () => {
      button.disabled = true;
      say("Follow your device's prompt…", false);
      try {
        const ceremony = await call("start_passkey_enrollment", {});
        const client = new window.authsignal.Authsignal({ tenantId: ceremony.tenant_id, baseUrl: ceremony.base_url });
        let result;
        try {
          result = await client.passkey.signUp({ token: ceremony.token, username: ceremony.username, displayName: ceremony.display_name });
        } catch (error) {
          // The device refuses a second passkey for the same account (WebAuthn excludeCredentials).
          const already = error && (error.name === "InvalidStateError" || error.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED");
          say(already ? ALREADY : CANCELLED, true);
          return;
        }
        const token = result && result.data && result.data.token;
        if (!token) {
          say(result && result.errorCode === "insufficient_scope" ? VERIFY_AGAIN : CANCELLED, true);
          return;
        }
        const next = await call("finish_passkey_enrollment", { token });
        location.assign(typeof next === "string" && next.startsWith("/") && !next.startsWith("//") ? next : "/account");
      } catch (error) {
        say(error.message, true);
      } finally {
        button.disabled = false;
      }
    });
  }
})();
