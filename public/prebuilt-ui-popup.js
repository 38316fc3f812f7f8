// Popup mode (STOREFRONT_PREBUILT_UI=popup): opens the pre-built UI in an accessible dialog
// over the account page, speaking the Authsignal Web SDK's protocol — the iframe loads the
// launch URL with `&mode=popup` and posts JSON strings `{event: "AUTHSIGNAL_READY"}`,
// `{event: "AUTHSIGNAL_CLOSE_POPUP", token}` or `{event: "AUTHSIGNAL_API_ERROR", …}`, plus raw
// `{height}` objects to resize. Only messages from the launch URL's origin are read. The
// token is completed by the server function `complete_prebuilt_ui`, exactly like a redirect
// return. The launch button's island adds this script, with the URL in `data-url`, per click.
(() => {
  const script = document.currentScript;
  const url = script && script.dataset.url;
  script && script.remove();
  if (!url || document.getElementById("prebuilt-ui-dialog")) return;
  const expectedOrigin = new URL(url, location.href).origin;
  const launchButton = document.getElementById("launch-prebuilt-ui");
  const status = document.getElementById("prebuilt-ui-status");

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

  const say = (message) => {
    if (status) status.textContent = message;
  };
  const finish = () => {
    window.removeEventListener("message", onMessage);
    document.removeEventListener("keydown", onKey, true);
    backdrop.remove();
    document.body.classList.remove("popup-open");
    if (launchButton) {
      launchButton.disabled = false;
      launchButton.setAttribute("aria-busy", "false");
      launchButton.focus();
    }
  };
  const dismiss = () => {
    finish();
    say("You closed the security window. Nothing was changed.");
  };
  const complete = async (token) => {
    say("Checking the change with our security provider…");
    try {
      const response = await fetch("/api/complete_prebuilt_ui", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ token }),
      });
      const target = response.ok ? await response.json() : "/account";
      location.assign(typeof target === "string" && target.startsWith("/") ? target : "/account");
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
      if (typeof data.token === "string" && data.token) {
        backdrop.classList.add("popup-busy");
        complete(data.token);
      } else {
        dismiss();
      }
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
    } else if (event.key === "Tab" && document.activeElement === close && event.shiftKey) {
      event.preventDefault();
      frame.focus();
    }
  };
  close.addEventListener("click", dismiss);
  window.addEventListener("message", onMessage);
  document.addEventListener("keydown", onKey, true);
  document.body.classList.add("popup-open");
  document.body.append(backdrop);
  say("");
  close.focus();
})();
