/* The review form shared by the reader and the review queue: accept, edit (corrected fields) or reject.
   Every value is set through textContent / .value, never as HTML. */
(function () {
  "use strict";
  const LABELS = {
    type: "Type", subtype: "Sub-type", date: "Date (YYYY-MM-DD)", time: "Time", place: "Place name",
    lat: "Latitude", lon: "Longitude", actors: "Actors (comma-separated)", fatalities: "Fatalities",
  };

  function fmt(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (Array.isArray(value)) return value.length ? value.map(fmt).join(", ") : "—";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  function fieldList(fields, conflicts) {
    const dl = K.el("dl", { class: "fields" });
    for (const [key, value] of Object.entries(fields || {})) {
      dl.appendChild(K.el("dt", { text: key }));
      dl.appendChild(K.el("dd", { class: conflicts && conflicts.includes(key) ? "conflict" : null, text: fmt(value) }));
    }
    return dl;
  }

  function editInputs(item, editable) {
    const box = K.el("div", { class: "edit-form", hidden: true });
    const fields = item.fields || {};
    for (const key of editable) {
      const id = "edit-" + key + "-" + item.item_id;
      const input = K.el("input", { type: "text", id: id, name: key });
      const current = fields[key];
      input.value = current === null || current === undefined ? "" : Array.isArray(current) ? current.join(", ") : String(current);
      box.appendChild(K.el("div", { class: "field" }, [K.el("label", { for: id, text: LABELS[key] || key }), input]));
    }
    if (editable.includes("lat") && window.KMap && window.L) {
      box.appendChild(K.el("div", { class: "field full" }, [
        K.el("label", { text: "…or click the map to set the place" }),
        K.el("div", { class: "pick-map", id: "pick-" + item.item_id }),
      ]));
    }
    return box;
  }

  /* A map in the edit form: a click writes lat/lon into the inputs; typed coordinates move the pin. */
  async function attachPicker(box, item) {
    const holder = box.querySelector(".pick-map");
    if (!holder || holder.dataset.ready) return;
    holder.dataset.ready = "1";
    const map = await window.KMap.create(holder.id);
    const lat = box.querySelector("input[name=lat]");
    const lon = box.querySelector("input[name=lon]");
    let pin = null;
    function place(a, b) {
      if (pin) pin.setLatLng([a, b]); else pin = L.marker([a, b]).addTo(map);
    }
    if (lat.value && lon.value) { place(Number(lat.value), Number(lon.value)); map.setView([Number(lat.value), Number(lon.value)], 13); }
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(5);
      lon.value = e.latlng.lng.toFixed(5);
      place(e.latlng.lat, e.latlng.lng);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        const a = Number(lat.value), b = Number(lon.value);
        if (lat.value && lon.value && Math.abs(a) <= 90 && Math.abs(b) <= 180) place(a, b);
      });
    });
  }

  /* item: {item_id, kind, fields, status}; opts: {editable, onDone(review)} */
  function form(item, opts) {
    const wrap = K.el("div", { class: "review-form" });
    const editable = item.kind === "event" ? opts.editable : [];
    const edits = editInputs(item, editable);
    const reason = K.el("input", { type: "text", name: "reason", placeholder: "Reason (optional)", "aria-label": "Reason" });
    const submit = async function (decision) {
      const body = { decision: decision, reason: reason.value || null, edits: {} };
      if (decision === "edit") {
        for (const input of edits.querySelectorAll("input")) {
          const before = fmt((item.fields || {})[input.name]);
          if (input.value.trim() !== "" && input.value.trim() !== before) body.edits[input.name] = input.value.trim();
        }
      }
      try {
        const out = await K.api("POST", "/api/review/" + encodeURIComponent(item.item_id), body);
        K.toast("Saved: " + decision);
        if (opts.onDone) opts.onDone(out);
      } catch (e) {
        K.toast(e.message, true);
      }
    };
    const saveEdit = K.el("button", { type: "button", class: "btn primary", text: "Save correction", hidden: true,
      "data-action": "save-edit", onclick: function () { submit("edit"); } });
    const actions = K.el("div", { class: "row actions" }, [
      K.el("button", { type: "button", class: "btn ok", text: "Accept", "data-action": "accept",
        onclick: function () { submit("accept"); } }),
      editable.length ? K.el("button", { type: "button", class: "btn", text: "Edit…", "data-action": "edit",
        onclick: function () {
          edits.hidden = !edits.hidden;
          saveEdit.hidden = edits.hidden;
          if (!edits.hidden) attachPicker(edits, item).catch(function () { K.toast("The map did not load", true); });
        } }) : null,
      K.el("button", { type: "button", class: "btn danger", text: "Reject", "data-action": "reject",
        onclick: function () { submit("reject"); } }),
    ]);
    reason.classList.add("spacer");
    actions.appendChild(reason);
    wrap.appendChild(actions);
    wrap.appendChild(edits);
    wrap.appendChild(K.el("div", { class: "row edit-save" }, [saveEdit]));
    return wrap;
  }

  window.KReview = { form: form, fieldList: fieldList, fmt: fmt };
})();
