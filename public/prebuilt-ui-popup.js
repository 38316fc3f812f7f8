// Popup mode (STOREFRONT_PREBUILT_UI=popup): the account page's Enroll / Manage button opens
// the pre-built UI in an accessible dialog over the page instead of leaving it. This plain
// script is on the page only in popup mode (the default page and its wasm carry none of it);
// it takes the button's submit before the island does, calls the same server function, and
// speaks the Authsignal Web SDK's protocol with the frame: the iframe loads the launch URL
// with `&mode=popup` and posts JSON strings `{event: "AUTHSIGNAL_READY"}`,
// `{event: "AUTHSIGNAL_CLOSE_POPUP", token}` or `{event: "AUTHSIGNAL_API_ERROR", …}`, plus raw
// `{height}` objects to resize. Only messages from the launch URL's origin and the frame's
// window are read. The token is completed by the server function `complete_prebuilt_ui`,
// exactly like a redirect return. Without JavaScript the form posts and redirects as usual.
(() => {
  // The dialog's styles: only popup-mode pages fetch them, long before the first click.
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = "/prebuilt-ui-popup.css";
  document.head.append(css);
  const status = document.getElementById("prebuilt-ui-status");
  const say = (message) => {
    if (status) status.textContent = message;
  };
  const post = async (endpoint, fields) => {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(fields),
    });
    return { ok: response.ok, answer: await response.json().catch(() => null) };
  };
  const local = (target) => typeof target === "string" && target.startsWith("/") && !target.startsWith("//");

  // Marks the page as ready for the dialog (a click before this redirects, as without JS).
  document.documentElement.dataset.prebuiltUi = "popup";
  // Captured on the window, so neither the island nor the browser submits the form too.
  window.addEventListener(
    "submit",
    async (event) => {
      const form = event.target;
      const intent = form instanceof HTMLFormElement && form.closest("#security") && form.querySelector('input[name="intent"]');
      if (!intent) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      const button = form.querySelector('button[type="submit"]');
      if (!button || button.disabled) return; // a double click launches once
      const busy = (on) => {
        button.disabled = on;
        button.setAttribute("aria-busy", String(on));
      };
      busy(true);
      say("");
      try {
        const { ok, answer } = await post("/api/launch_authenticator_settings", { intent: intent.value });
        if (ok && typeof answer === "string" && /^https?:\/\//.test(answer)) {
          open(answer, () => busy(false));
        } else if (ok && local(answer)) {
          location.assign(answer); // back to the page with the reason (e.g. an outage)
        } else {
          busy(false);
          say("Security settings are temporarily unavailable. Please try again in a moment.");
        }
      } catch {
        busy(false);
        say("We couldn't reach the shop. Check your connection and try again.");
      }
    },
    true,
  );

  /** Shows the pre-built UI at `url` in a dialog; `closed` runs when it closes unfinished. */
  function open(url, closed) {
    const expectedOrigin = new URL(url, location.href).origin;
    const opener = document.activeElement;
    const backdrop = document.createElement("div");
    backdrop.className = "popup-backdrop";
    const dialog = document.createElement("div");
    dialog.id = "prebuilt-ui-dialog";
    dialog.className = "popup";
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.setAttribute("aria-labelledby", "prebuilt-ui-title");
    const header = document.createElement("div");
    header.className = "popup-header";
    const title = document.createElement("h2");
    title.id = "prebuilt-ui-title";
    title.textContent = "Sign-in security";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "button button-secondary popup-close";
    close.textContent = "Close";
    header.append(title, close);
    const frame = document.createElement("iframe");
    frame.className = "popup-frame";
    frame.title = "Authsignal: your authenticators";
    // Passkeys inside the frame (Authsignal warns browsers vary; redirect mode is the default).
    frame.allow = "publickey-credentials-get *; publickey-credentials-create *";
    frame.src = url + (url.includes("?") ? "&" : "?") + "mode=popup";
    dialog.append(header, frame);
    backdrop.append(dialog);

    const finish = () => {
      window.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey, true);
      backdrop.remove();
      document.body.classList.remove("popup-open");
      closed();
      if (opener instanceof HTMLElement) opener.focus();
    };
    const dismiss = () => {
      finish();
      say("You closed the security window. Nothing was changed.");
    };
    const complete = async (token) => {
      backdrop.classList.add("popup-busy");
      say("Checking the change with our security provider…");
      try {
        const { answer } = await post("/api/complete_prebuilt_ui", { token });
        location.assign(local(answer) ? answer : "/account");
      } catch {
        finish();
        say("We couldn't reach the shop to confirm that change. Check your connection and reload the page.");
      }
    };
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow || event.origin !== expectedOrigin) return;
      if (event.data && typeof event.data === "object" && typeof event.data.height === "number") {
        frame.style.height = Math.min(Math.max(event.data.height, 200), window.innerHeight - 120) + "px";
        return;
      }
      let data = null;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      if (data && data.event === "AUTHSIGNAL_READY") {
        dialog.classList.add("popup-ready");
      } else if (data && data.event === "AUTHSIGNAL_CLOSE_POPUP") {
        if (typeof data.token === "string" && data.token) complete(data.token);
        else dismiss();
      } else if (data && data.event === "AUTHSIGNAL_API_ERROR") {
        finish();
        say("Security settings are temporarily unavailable. Nothing was changed — please try again.");
      }
    };
    // Escape closes; Tab stays inside the dialog (its close button and the frame).
    const onKey = (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        dismiss();
      } else if (event.key === "Tab" && event.shiftKey && document.activeElement === close) {
        event.preventDefault();
        frame.focus();
      }
    };
    close.addEventListener("click", dismiss);
    window.addEventListener("message", onMessage);
    document.addEventListener("keydown", onKey, true);
    document.body.classList.add("popup-open");
    document.body.append(backdrop);
    close.focus();
  }
})();
