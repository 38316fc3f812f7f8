// Popup mode of the sandbox's pre-built UI, speaking to @authsignal/browser's launch(url,
// {mode: "popup" | "window"}): AUTHSIGNAL_READY on every page, the page height (a plain
// object, as the SDK's resize listener reads it), and AUTHSIGNAL_CLOSE_POPUP with the token
// when done. Events are JSON strings (the SDK JSON.parses them), always sent to the app's
// origin only, which the server puts in data-target-origin.
(function () {
  "use strict";

  var script = document.currentScript;
  var origin = script && script.getAttribute("data-target-origin");
  if (!origin || origin === "*") return;

  // The SDK's iframe (popup mode) or the window that opened this one (window mode).
  var app = window.parent !== window ? window.parent : window.opener;

  function post(message) {
    if (!app) return false;
    try {
      app.postMessage(message, origin);
      return true;
    } catch (e) {
      return false;
    }
  }

  function send(event, fields) {
    return post(JSON.stringify(Object.assign({ event: event }, fields || {})));
  }

  function postHeight() {
    post({ height: Math.ceil(document.body.getBoundingClientRect().height) });
  }

  // Links that would leave for the app close the popup instead (no token: not verified).
  function closeOnClick(link) {
    link.addEventListener("click", function (event) {
      if (send("AUTHSIGNAL_CLOSE_POPUP")) event.preventDefault();
    });
  }

  function finish(done) {
    var token = done.getAttribute("data-token");
    if (!send("AUTHSIGNAL_CLOSE_POPUP", { token: token })) {
      window.location.replace(done.getAttribute("data-return-url"));
    }
  }

  function start() {
    send("AUTHSIGNAL_READY");
    postHeight();
    if (typeof ResizeObserver === "function") new ResizeObserver(postHeight).observe(document.body);
    Array.prototype.forEach.call(document.querySelectorAll("a[data-popup-close]"), closeOnClick);
    var done = document.getElementById("authsignal-popup-done");
    if (done) finish(done);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
