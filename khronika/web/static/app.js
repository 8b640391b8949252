/* Khronika workbench: shared helpers. Data is rendered with textContent only, never innerHTML,
   because testimony text is hostile by assumption. Pages use window.Khronika (alias K). */
(function () {
  "use strict";

  function cookie(name) {
    const parts = document.cookie ? document.cookie.split("; ") : [];
    for (const part of parts) {
      const eq = part.indexOf("=");
      if (part.slice(0, eq) === name) return decodeURIComponent(part.slice(eq + 1));
    }
    return "";
  }

  /* fetch JSON (or FormData) with the CSRF header the server requires on unsafe methods. */
  async function api(method, url, body) {
    const opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (method !== "GET" && method !== "HEAD") opts.headers["X-CSRF-Token"] = cookie("khronika_csrf");
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(url, opts);
    const type = resp.headers.get("content-type") || "";
    const data = type.includes("application/json") ? await resp.json() : await resp.text();
    if (!resp.ok) {
      const detail = data && data.detail ? data.detail : data;
      const msg = typeof detail === "string" ? detail : JSON.stringify(detail);
      const err = new Error(resp.status + " " + msg);
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  /* el("div", {class: "x", dataset: {id: 1}, onclick: fn}, ["text", childNode]) — text via textContent. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "href" || key === "src") node.setAttribute(key, safeUrl(String(value)));
      else node.setAttribute(key, String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /* Only same-origin relative links and http(s) are allowed as href: no javascript: URLs. */
  function safeUrl(url) {
    if (url.startsWith("/") && !url.startsWith("//")) return url;
    if (/^https?:\/\//i.test(url)) return url;
    return "#";
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  let toastTimer = null;
  function toast(message, isError) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = String(message);
    box.className = isError ? "toast error" : "toast";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 3500);
  }

  function badge(text, cls) { return el("span", { class: "badge " + (cls || ""), text: text }); }

  const VERIFICATION_LABELS = {
    unverified: "unverified", in_progress: "in progress", verified: "verified", disputed: "disputed", false: "false",
  };
  function verificationBadge(state) {
    const s = state || "unverified";
    const node = badge(VERIFICATION_LABELS[s] || s, "ver-" + s);
    node.dataset.verification = s;
    node.title = "Verification state of the incident";
    return node;
  }
  function reviewBadge(status) { return badge(status || "unreviewed", status || "unreviewed"); }

  async function logout() {
    try { await api("POST", "/api/auth/logout"); } catch (e) { /* already logged out */ }
    window.location.href = "/login";
  }

  document.addEventListener("DOMContentLoaded", function () {
    const btn = document.querySelector("[data-logout]");
    if (btn) btn.addEventListener("click", logout);
  });

  window.Khronika = {
    api: api, el: el, clear: clear, toast: toast, badge: badge, cookie: cookie, safeUrl: safeUrl,
    verificationBadge: verificationBadge, reviewBadge: reviewBadge, logout: logout,
  };
  window.K = window.Khronika;
})();
