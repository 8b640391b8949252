/* The Gazetteer page: search, pick on the map, add or edit user places. Names render via textContent. */
(function () {
  "use strict";
  const K = window.Khronika;
  let map = null;
  let pin = null;
  let found = L.layerGroup();

  function form() { return document.getElementById("gaz-form"); }

  function setPin(lat, lon) {
    if (!pin) {
      pin = L.marker([lat, lon], { draggable: true, title: "new place" }).addTo(map);
      pin.on("dragend", function () { const p = pin.getLatLng(); fill({ lat: p.lat, lon: p.lng }); });
    }
    pin.setLatLng([lat, lon]);
  }

  function fill(values) {
    const f = form();
    if (!f) return;
    Object.entries(values).forEach(function ([k, v]) {
      if (!f.elements[k]) return;
      f.elements[k].value = (k === "lat" || k === "lon") && typeof v === "number" ? v.toFixed(5) : (v ?? "");
    });
  }

  function editMode(place) {
    const f = form();
    if (!f) return;
    const editing = Boolean(place && place.editable);
    document.getElementById("gaz-form-title").textContent = editing ? "Edit " + place.name : "Add a place";
    document.getElementById("gaz-save").textContent = editing ? "Save changes" : "Add place";
    if (editing) {
      fill({ id: place.id, name: place.name, lat: place.lat, lon: place.lon, precision: place.precision,
        admin1: place.admin1 || "", aliases: (place.aliases || []).join("|"), source: place.source || "user" });
      setPin(place.lat, place.lon);
    } else {
      f.reset();
      f.elements.id.value = "";
    }
  }

  function show(places) {
    const list = K.clear(document.getElementById("gaz-results"));
    found.clearLayers();
    places.forEach(function (p) {
      const li = K.el("li", { dataset: { id: p.id } }, [
        K.el("div", { class: "name", text: p.name }),
        K.el("div", { class: "small muted" }, [
          [p.precision, p.admin1, p.country].filter(Boolean).join(" · ") + " · " +
            p.lat.toFixed(4) + ", " + p.lon.toFixed(4) + " ",
          p.editable ? K.badge("yours", "accepted") : K.badge(p.kind === "local" ? "shipped" : p.source || p.kind, "kind"),
        ]),
      ]);
      li.addEventListener("click", function () {
        list.querySelectorAll("li.selected").forEach(function (x) { x.classList.remove("selected"); });
        li.classList.add("selected");
        map.setView([p.lat, p.lon], Math.max(map.getZoom(), p.precision === "city" ? 11 : 14));
        editMode(p);
      });
      list.appendChild(li);
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#2f5fd0", weight: 2, fillOpacity: 0.5 })
        .bindTooltip(K.el("span", { text: p.name })).addTo(found);
    });
    document.getElementById("gaz-status").textContent = places.length
      ? places.length + " place" + (places.length === 1 ? "" : "s")
      : "No place matches. Add it below: click the map where it is.";
  }

  async function search(q) {
    try {
      show(await K.api("GET", "/api/gazetteer?q=" + encodeURIComponent(q || "")));
    } catch (e) { K.toast(e.message, true); }
  }

  async function save(ev) {
    ev.preventDefault();
    const f = form();
    const body = {
      name: f.elements.name.value.trim(), lat: Number(f.elements.lat.value), lon: Number(f.elements.lon.value),
      precision: f.elements.precision.value, aliases: f.elements.aliases.value, admin1: f.elements.admin1.value,
      source: f.elements.source.value || "user", country: "KZ",
    };
    const id = f.elements.id.value;
    try {
      const p = id ? await K.api("PUT", "/api/gazetteer/" + encodeURIComponent(id), body)
        : await K.api("POST", "/api/gazetteer", body);
      K.toast((id ? "Saved " : "Added ") + p.name);
      document.getElementById("gaz-q").value = p.name;
      await search(p.name);
      editMode(p);
    } catch (e) { K.toast(e.message, true); }
  }

  async function init() {
    map = await window.KMap.create("gaz-map");
    found.addTo(map);
    const f = form();
    if (f) {
      map.on("click", function (e) { setPin(e.latlng.lat, e.latlng.lng); fill({ lat: e.latlng.lat, lon: e.latlng.lng }); });
      f.addEventListener("submit", save);
      ["lat", "lon"].forEach(function (k) {
        f.elements[k].addEventListener("change", function () {
          const lat = Number(f.elements.lat.value), lon = Number(f.elements.lon.value);
          if (f.elements.lat.value && f.elements.lon.value && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
            setPin(lat, lon); map.setView([lat, lon], Math.max(map.getZoom(), 13));
          }
        });
      });
      document.getElementById("gaz-new").addEventListener("click", function () { editMode(null); });
    }
    document.getElementById("gaz-search").addEventListener("submit", function (e) {
      e.preventDefault(); search(document.getElementById("gaz-q").value);
    });
    await search("");
    document.body.dataset.mapReady = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    init().catch(function (e) { K.toast("The gazetteer failed to start: " + e.message, true); });
  });
})();
