// The browser half of a passkey ceremony in the sandbox's pre-built UI. The server puts
// the WebAuthn options in the page; this runs navigator.credentials.create / get and posts
// the answer back in the page's own form. Binary fields travel as base64url both ways.
(function () {
  "use strict";

  var MESSAGES = {
    unsupported:
      "This browser can't use passkeys. Choose another method, or try again in a browser that supports passkeys.",
    insecure: "Passkeys only work on a secure page (https, or http on localhost). Choose another method.",
    createCancelled: "Passkey setup was cancelled or timed out, so nothing was saved. You can try again.",
    getCancelled:
      "Your passkey wasn't used: the request was cancelled or timed out, or this device has no passkey for this account. Try again, or verify another way.",
    alreadyRegistered: "This device already has a passkey for your account. You can use that one to verify it's you.",
    wrongAddress: "Passkeys can't be used at this address. Open the page on the address the app sent you to.",
    failed: "Your passkey couldn't be used. Try again, or choose another method.",
  };

  function toBuffer(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBufferIds(list) {
    return (list || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBuffer(descriptor.id) });
    });
  }

  function creationOptions(publicKey) {
    return Object.assign({}, publicKey, {
      challenge: toBuffer(publicKey.challenge),
      user: Object.assign({}, publicKey.user, { id: toBuffer(publicKey.user.id) }),
      excludeCredentials: withBufferIds(publicKey.excludeCredentials),
    });
  }

  function requestOptions(publicKey) {
    return Object.assign({}, publicKey, {
      challenge: toBuffer(publicKey.challenge),
      allowCredentials: withBufferIds(publicKey.allowCredentials),
    });
  }

  function registrationJson(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64url(response.attestationObject),
        clientDataJSON: toBase64url(response.clientDataJSON),
        transports: response.getTransports ? response.getTransports() : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    };
  }

  function assertionJson(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64url(response.authenticatorData),
        clientDataJSON: toBase64url(response.clientDataJSON),
        signature: toBase64url(response.signature),
        userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
      },
      extensions: credential.getClientExtensionResults(),
    };
  }

  // NotAllowedError covers cancel, timeout and "no passkey here" alike: browsers don't
  // tell the page which, so the message names all three.
  function problemFor(ceremony, error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") {
      return ceremony === "create" ? MESSAGES.createCancelled : MESSAGES.getCancelled;
    }
    if (name === "InvalidStateError" && ceremony === "create") return MESSAGES.alreadyRegistered;
    if (name === "SecurityError") return MESSAGES.wrongAddress;
    return MESSAGES.failed;
  }

  function show(form, message) {
    var box = document.getElementById(form.getAttribute("data-problem"));
    box.textContent = message;
    box.hidden = false;
  }

  function run(form, ceremony) {
    if (!window.isSecureContext) return show(form, MESSAGES.insecure);
    if (!window.PublicKeyCredential || !navigator.credentials) return show(form, MESSAGES.unsupported);
    var options = JSON.parse(document.getElementById(form.getAttribute("data-options")).textContent);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var pending =
      ceremony === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options.publicKey) })
        : navigator.credentials.get({ publicKey: requestOptions(options.publicKey) });
    pending
      .then(function (credential) {
        if (!credential) throw new DOMException("No credential", "NotAllowedError");
        var answer = ceremony === "create" ? registrationJson(credential) : assertionJson(credential);
        form.elements.credential.value = JSON.stringify(answer);
        if (form.elements.authenticatorAttachment) {
          form.elements.authenticatorAttachment.value = credential.authenticatorAttachment || "";
        }
        // submit() skips the submit event, so this handler doesn't run again.
        HTMLFormElement.prototype.submit.call(form);
      })
      .catch(function (error) {
        button.disabled = false;
        show(form, problemFor(ceremony, error));
      });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey]"), function (form) {
    var ceremony = form.getAttribute("data-passkey");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run(form, ceremony);
    });
    form.querySelector("button[type=submit]").disabled = false;
  });
})();
