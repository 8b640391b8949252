/* Incident page: link decisions (confirm, break, split, merge) and the verification form. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("incident-data").textContent);
  const base = "/api/incidents/" + encodeURIComponent(data.id);

  function picked() {
    return Array.from(document.querySelectorAll("input.pick:checked")).map(function (n) { return n.value; });
  }

  async function link(action) {
    const body = { action: action, event_ids: action === "merge" ? [] : picked() };
    if (action === "merge") body.other_incident_id = document.getElementById("merge-with").value;
    if ((action === "break" || action === "split") && body.event_ids.length === 0) {
      K.toast("Select the reports to take out first", true);
      return;
    }
    try {
      const out = await K.api("POST", base + "/links", body);
      K.toast(action + " saved");
      const first = out.result && out.result.incidents ? out.result.incidents[0] : data.id;
      window.location.href = "/incidents/" + encodeURIComponent(first);
    } catch (e) {
      K.toast(e.message, true);
    }
  }

  document.querySelectorAll("[data-link]").forEach(function (btn) {
    btn.addEventListener("click", function () { link(btn.dataset.link); });
  });

  const form = document.getElementById("verify-form");
  if (form) {
    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const body = {
        state: form.elements.state.value,
        reason: form.elements.reason.value || null,
        sources: form.elements.sources.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean),
      };
      try {
        await K.api("POST", base + "/verification", body);
        window.location.reload();
      } catch (e) {
        K.toast(e.message, true);
      }
    });
  }
})();
