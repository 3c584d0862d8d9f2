// Passkeys (WebAuthn): the browser's side of registering one (a form with
// data-passkey-create) and of signing in with one (data-passkey-get). The
// server renders the ceremony's options as JSON in the attribute; this
// turns their base64url fields into bytes, asks navigator.credentials, and
// posts the answer back in the form's hidden "response" field.
(function () {
  "use strict";

  function bytes(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function b64u(buf) {
    var b = new Uint8Array(buf), s = "";
    for (var i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: bytes(c.id) };
      if (c.transports) d.transports = c.transports;
      return d;
    });
  }

  function creationOptions(json) {
    var o = JSON.parse(json).publicKey;
    o.challenge = bytes(o.challenge);
    o.user.id = bytes(o.user.id);
    o.excludeCredentials = descriptors(o.excludeCredentials);
    return o;
  }

  function requestOptions(json) {
    var o = JSON.parse(json).publicKey;
    o.challenge = bytes(o.challenge);
    o.allowCredentials = descriptors(o.allowCredentials);
    return o;
  }

  // credential is a credential as the server reads it, with the parts of
  // its response given.
  function credential(c, response) {
    return {
      id: c.id,
      rawId: b64u(c.rawId),
      type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(),
      response: response
    };
  }

  function attestation(c) {
    var r = c.response;
    return credential(c, {
      clientDataJSON: b64u(r.clientDataJSON),
      attestationObject: b64u(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    });
  }

  function assertion(c) {
    var r = c.response;
    return credential(c, {
      clientDataJSON: b64u(r.clientDataJSON),
      authenticatorData: b64u(r.authenticatorData),
      signature: b64u(r.signature),
      userHandle: r.userHandle ? b64u(r.userHandle) : null
    });
  }

  function say(form, text) {
    var p = form.querySelector("[data-passkey-error]");
    if (!p) return;
    p.textContent = text;
    p.hidden = false;
  }

  function why(err) {
    if (err && err.name === "NotAllowedError") return "The passkey request was cancelled or timed out: try again.";
    if (err && err.name === "InvalidStateError") return "This authenticator already holds a passkey of yours.";
    return "The browser could not use a passkey here" + (err && err.message ? ": " + err.message : ".");
  }

  function wire(form, attr, ask) {
    var supported = window.isSecureContext && window.PublicKeyCredential && navigator.credentials;
    if (!supported) {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      say(form, "This browser cannot use passkeys on this page (it needs a secure context: HTTPS, or localhost).");
      return;
    }
    var busy = false;
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) return;
      var name = form.querySelector('input[name="name"]');
      if (name && !name.value.trim()) {
        say(form, "Name the passkey first, e.g. work laptop.");
        return;
      }
      busy = true;
      ask(form.getAttribute(attr)).then(function (answer) {
        form.querySelector('input[name="response"]').value = JSON.stringify(answer);
        form.submit();
      }, function (err) {
        busy = false;
        say(form, why(err));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey-create]").forEach(function (f) {
      wire(f, "data-passkey-create", function (json) {
        return navigator.credentials.create({ publicKey: creationOptions(json) }).then(attestation);
      });
    });
    document.querySelectorAll("form[data-passkey-get]").forEach(function (f) {
      wire(f, "data-passkey-get", function (json) {
        return navigator.credentials.get({ publicKey: requestOptions(json) }).then(assertion);
      });
    });
  });
})();
