/* Reader: clicking a marked passage or an item shows what was extracted and, for analysts, the review form. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("reader-data").textContent);
  const byId = new Map(data.items.map(function (it) { return [it.id, it]; }));
  const detail = document.getElementById("item-detail");

  function select(id) {
    const item = byId.get(id);
    if (!item) return;
    document.querySelectorAll(".selected").forEach(function (n) { n.classList.remove("selected"); });
    document.querySelectorAll('[data-item="' + CSS.escape(id) + '"]').forEach(function (n) { n.classList.add("selected"); });
    K.clear(detail);
    detail.appendChild(K.el("h2", {}, [K.badge(item.kind, "kind"), " ",
      item.reviewable ? K.reviewBadge(item.status) : null]));
    detail.appendChild(K.el("blockquote", { class: "quote", text: item.text }));
    const meta = [];
    if (item.speaker) meta.push("speaker: " + item.speaker);
    if (item.evidence) meta.push("evidence: " + item.evidence);
    if (item.extractor) meta.push(item.extractor);
    if (item.confidence !== null && item.confidence !== undefined) meta.push("confidence " + Number(item.confidence).toFixed(2));
    detail.appendChild(K.el("p", { class: "muted small", text: meta.join(" · ") }));
    if (item.incident) {
      detail.appendChild(K.el("p", { class: "small" }, ["Part of incident ",
        K.el("a", { href: "/incidents/" + encodeURIComponent(item.incident.incident_id), text: "open" }), " ",
        K.verificationBadge(item.incident.verification)]));
    }
    detail.appendChild(KReview.fieldList(item.fields));
    if (item.review) {
      const r = item.review;
      detail.appendChild(K.el("p", { class: "small", text: r.decision + " by " + r.reviewer + " at " + r.created_at +
        (r.reason ? " — " + r.reason : "") }));
      if (r.edits && Object.keys(r.edits).length) {
        detail.appendChild(K.el("h3", { text: "Corrections" }));
        detail.appendChild(KReview.fieldList(r.edits));
      }
    }
    if (item.reviewable && data.can_write) {
      detail.appendChild(KReview.form({ item_id: item.id, kind: item.kind, fields: item.fields }, {
        editable: data.editable,
        onDone: function () { window.location.reload(); },
      }));
    }
  }

  document.addEventListener("click", function (ev) {
    const target = ev.target.closest("[data-item]");
    if (target && (target.closest("#reader-text") || target.closest("#items"))) select(target.dataset.item);
  });
  const hash = decodeURIComponent(window.location.hash.slice(1));
  if (hash && byId.has(hash)) select(hash);
})();
