/* Documents page: ingest a testimony through the API, then open it in the reader. */
(function () {
  "use strict";
  const form = document.getElementById("ingest-form");
  if (!form) return;
  form.addEventListener("submit", async function (ev) {
    ev.preventDefault();
    const button = document.getElementById("ingest-submit");
    button.disabled = true;
    button.textContent = "Processing…";
    try {
      const out = await K.api("POST", "/api/documents", new FormData(form));
      K.toast(out.created ? "Stored: " + out.n_events + " events found" : "Already stored");
      window.location.href = "/documents/" + encodeURIComponent(out.doc_id);
    } catch (e) {
      K.toast(e.message, true);
      button.disabled = false;
      button.textContent = "Ingest";
    }
  });
})();
