/* Login page: post the forms as JSON, then go to ?next= (a local path only) or the workbench. */
(function () {
  "use strict";
  const K = window.Khronika;

  function target() {
    const next = new URLSearchParams(window.location.search).get("next") || "/";
    // Only same-site paths: "//host" or "/\host" would leave the site.
    return /^\/(?![\/\\])/.test(next) ? next : "/";
  }

  function showError(message) {
    const box = document.getElementById("login-error");
    box.textContent = message;
    box.hidden = false;
  }

  async function onLogin(event) {
    event.preventDefault();
    const name = document.getElementById("login-name").value;
    const password = document.getElementById("login-password").value;
    try {
      const me = await K.api("POST", "/api/auth/login", { name: name, password: password });
      if (me.must_change) {
        document.getElementById("login-form").hidden = true;
        document.getElementById("password-form").hidden = false;
        document.getElementById("pw-current").value = password;
        return;
      }
      window.location.href = target();
    } catch (e) {
      showError(e.status === 429 ? "Too many failed attempts. Wait a minute." : "Wrong name or password.");
    }
  }

  async function onPassword(event) {
    event.preventDefault();
    const body = {
      current: document.getElementById("pw-current").value,
      new: document.getElementById("pw-new").value,
    };
    try {
      await K.api("POST", "/api/auth/password", body);
      window.location.href = target();
    } catch (e) {
      showError(e.message);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const login = document.getElementById("login-form");
    if (login) login.addEventListener("submit", onLogin);
    document.getElementById("password-form").addEventListener("submit", onPassword);
  });
})();
