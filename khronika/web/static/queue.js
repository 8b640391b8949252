/* Review queue: one review form per item (analysts only); after a decision the item shows its new status. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("queue-data").textContent);
  if (!data.can_write) return;
  for (const item of data.items) {
    const card = document.querySelector('.queue-item[data-item="' + CSS.escape(item.item_id) + '"]');
    if (!card) continue;
    const slot = card.querySelector(".form-slot");
    slot.appendChild(KReview.form(item, {
      editable: data.editable,
      onDone: function (review) {
        const status = { accept: "accepted", edit: "edited", reject: "rejected" }[review.decision];
        card.dataset.status = status;
        const old = card.querySelector("[data-review-status]");
        const fresh = K.reviewBadge(status);
        fresh.dataset.reviewStatus = status;
        if (old) old.replaceWith(fresh);
        K.clear(slot);
        slot.appendChild(K.el("p", { class: "small muted", text: review.decision + " by " + review.reviewer }));
      },
    }));
  }
})();
