// Passkeys (WebAuthn) for the universal login and the account page.
// Served from /static so the pages' CSP stays script-src 'self' with no inline script.
// A form with data-webauthn="create" or "get" carries the server's options (JSON) in
// data-options; on submit this script runs the browser ceremony, puts the credential as
// JSON into the form's "credential" field and submits the form to the server, which
// checks everything (challenge, origin, RP ID, flags, signature). Nothing is decided here.
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) { base64 += "="; }
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(json) {
    var options = JSON.parse(json);
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = JSON.parse(json);
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function serialise(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      out.response.attestationObject = toText(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(response.authenticatorData);
      out.response.signature = toText(response.signature);
      if (response.userHandle) { out.response.userHandle = toText(response.userHandle); }
    }
    return out;
  }

  function report(form, message) {
    var box = form.querySelector(".webauthn-error");
    if (box) { box.textContent = message; box.hidden = false; }
  }

  function ceremony(form) {
    var json = form.getAttribute("data-options");
    if (form.getAttribute("data-webauthn") === "create") {
      return navigator.credentials.create({ publicKey: creationOptions(json) });
    }
    return navigator.credentials.get({ publicKey: requestOptions(json) });
  }

  function attach(form) {
    if (!window.PublicKeyCredential || !navigator.credentials) {
      form.hidden = true;
      return;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      ceremony(form).then(function (credential) {
        form.elements.namedItem("credential").value = JSON.stringify(serialise(credential));
        form.submit();
      }).catch(function () {
        report(form, "The passkey was not used. Try again, or use another way to sign in.");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-webauthn]");
    for (var i = 0; i < forms.length; i++) { attach(forms[i]); }
  });
})();
