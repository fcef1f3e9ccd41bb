// The managed login's passkey step (served as <base>/passkey.js; the pages allow no inline
// script). It reads the WebAuthn request options from #passkey-options, asks the browser's
// authenticator (navigator.credentials.get), and posts the answer as WebAuthn's
// AuthenticationResponseJSON in the form's `credential` field. A refusal shows in #error.
(function () {
  "use strict";
  var holder = document.getElementById("passkey-options");
  var form = document.getElementById("challenge");
  if (!holder || !form) {
    return;
  }

  function toBuffer(text) {
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) {
      b64 += "=";
    }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = "";
    for (var i = 0; i < bytes.length; i++) {
      raw += String.fromCharCode(bytes[i]);
    }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function showError(message) {
    var p = document.getElementById("error");
    if (!p) {
      p = document.createElement("p");
      p.id = "error";
      p.className = "error";
      var title = document.querySelector("h1");
      title.parentNode.insertBefore(p, title.nextSibling);
    }
    p.textContent = message;
  }

  function requestOptions() {
    var o = JSON.parse(holder.getAttribute("data-options"));
    var publicKey = { challenge: toBuffer(o.challenge) };
    if (o.rpId) {
      publicKey.rpId = o.rpId;
    }
    if (o.timeout) {
      publicKey.timeout = o.timeout;
    }
    if (o.userVerification) {
      publicKey.userVerification = o.userVerification;
    }
    publicKey.allowCredentials = (o.allowCredentials || []).map(function (c) {
      var d = { type: c.type, id: toBuffer(c.id) };
      if (Array.isArray(c.transports)) {
        d.transports = c.transports;
      }
      return d;
    });
    return publicKey;
  }

  function answer(credential) {
    var r = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: {
        clientDataJSON: toText(r.clientDataJSON),
        authenticatorData: toText(r.authenticatorData),
        signature: toText(r.signature)
      }
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (r.userHandle) {
      json.response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify(json);
  }

  var busy = false;
  function run() {
    if (busy) {
      return;
    }
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError("This browser cannot use passkeys here (WebAuthn needs HTTPS or localhost).");
      return;
    }
    busy = true;
    var publicKey;
    try {
      publicKey = requestOptions();
    } catch (e) {
      busy = false;
      showError("The passkey request is not readable: sign in again.");
      return;
    }
    navigator.credentials.get({ publicKey: publicKey }).then(
      function (credential) {
        form.elements.credential.value = answer(credential);
        form.submit();
      },
      function (e) {
        busy = false;
        showError("The passkey sign-in did not complete (" + e.name + "): try again.");
      }
    );
  }

  form.addEventListener("submit", function (event) {
    if (!form.elements.credential.value) {
      event.preventDefault();
      run();
    }
  });
  run();
})();
