// Passkey sign-in on /signin with Authsignal's official Web SDK (loaded just before this
// script): the browser offers the customer's passkeys in the Email field's autofill (WebAuthn
// conditional UI), and the "Sign in with a passkey" button asks for one directly. Either way
// the SDK's token goes to the server function `finish_passkey_sign_in`, which validates it
// and signs the customer in (the passkey is both factors). Without JavaScript or WebAuthn the
// section stays hidden and the password form works as ever.
(() => {
  const box = document.getElementById("passkey-sign-in");
  if (!box || !window.PublicKeyCredential) return;
  // The SDK comes just before this script; should it not have run, fetch it once more.
  if (window.authsignal) {
    start();
  } else {
    const again = document.createElement("script");
    again.src = document.querySelector('script[src*="/vendor/authsignal-browser"]')?.src ?? "";
    again.onload = start;
    document.head.append(again);
  }

  function start() {
    const client = new window.authsignal.Authsignal({ tenantId: box.dataset.tenant, baseUrl: box.dataset.api });
    const button = document.getElementById("passkey-sign-in-button");
    const status = document.getElementById("passkey-sign-in-status");
    const nextField = document.querySelector('form input[name="next"]');
    const ACTION = "signInWithPasskey";
    const say = (message) => {
      status.textContent = message;
    };
    box.hidden = false;

    /** Completes a sign-in the SDK verified; false when the ceremony gave no token. */
    const finish = async (result) => {
      const token = result && result.data && result.data.token;
      if (!token) return false;
      say("Signing you in…");
      const response = await fetch("/api/finish_passkey_sign_in", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ token, next: nextField ? nextField.value : "/account" }),
      });
      const answer = await response.json().catch(() => null);
      if (response.ok && typeof answer === "string" && answer.startsWith("/") && !answer.startsWith("//")) {
        location.assign(answer);
      } else {
        say(answer && typeof answer.Rejected === "string" ? answer.Rejected : "We couldn't sign you in with that passkey. Try again, or use your email and password.");
      }
      return true;
    };

    // Autofill: runs in the background until the customer picks a passkey from the suggestions.
    if (PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
        if (available) client.passkey.signIn({ action: ACTION, autofill: true }).then(finish).catch(() => {});
      });
    }

    button.addEventListener("click", async () => {
      button.disabled = true;
      say("");
      try {
        const result = await client.passkey.signIn({ action: ACTION });
        if (!(await finish(result))) {
          say("Passkey sign-in was cancelled or timed out. Try again, or use your email and password.");
        }
      } catch {
        say("Passkey sign-in was cancelled or timed out. Try again, or use your email and password.");
      } finally {
        button.disabled = false;
      }
    });
  }
})();
