/* The Map page: filters -> /api/map; the server sends grid clusters at low zoom and single events when
   zoomed in. Everything from the server is rendered with textContent (K.el). */
(function () {
  "use strict";
  const K = window.Khronika;
  const EV_GROUP = { witnessed: "ev-witnessed", official: "ev-witnessed", relayed: "ev-relayed",
    media: "ev-relayed", hearsay: "ev-hearsay", belief: "ev-hearsay" };
  let map = null;
  let layer = null;
  let seq = 0;

  function checks(box, name, values, labelOf) {
    K.clear(box);
    if (!values.length) box.appendChild(K.el("span", { class: "muted small", text: "none yet" }));
    values.forEach(function (v) {
      box.appendChild(K.el("label", { class: "check" }, [
        K.el("input", { type: "checkbox", name: name, value: v }), " ", labelOf ? labelOf(v) : v,
      ]));
    });
  }

  function params() {
    const form = document.getElementById("map-filters");
    const p = new URLSearchParams();
    form.querySelectorAll("input[type=checkbox]:checked").forEach(function (c) { p.append(c.name, c.value); });
    ["since", "until"].forEach(function (k) { if (form.elements[k].value) p.set(k, form.elements[k].value); });
    return p;
  }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function bbox() {
    const b = map.getBounds();
    return [clamp(b.getSouth(), -90, 90), clamp(b.getWest(), -180, 180), clamp(b.getNorth(), -90, 90),
      clamp(b.getEast(), -180, 180)].map(function (x) { return x.toFixed(5); }).join(",");
  }

  function clusterIcon(n) {
    const size = n < 10 ? "small" : n < 100 ? "medium" : "large";
    const node = K.el("div", {}, [K.el("span", { text: String(n) })]);
    const px = n < 10 ? 34 : n < 100 ? 40 : 48;
    return L.divIcon({ html: node, className: "marker-cluster marker-cluster-" + size + " server-cluster",
      iconSize: L.point(px, px) });
  }

  function eventIcon(ev) {
    const node = K.el("span", { class: "ev-pin " + (EV_GROUP[ev.evidence] || "ev-none") });
    return L.divIcon({ html: node, className: "ev-pin-icon", iconSize: L.point(16, 16) });
  }

  function popup(ev) {
    const when = [ev.date, ev.time_text].filter(Boolean).join(", ");
    const badges = K.el("div", { class: "badges" }, [
      ev.evidence ? K.badge(ev.evidence, "ev-" + ev.evidence) : null,
      K.verificationBadge(ev.verification),
      K.reviewBadge(ev.status),
      ev.fatalities ? K.badge(ev.fatalities + " killed", "conflict") : null,
    ]);
    return K.el("div", { class: "ev-popup" }, [
      K.el("div", { class: "ev-title" }, [K.el("strong", { text: ev.type || "event" }),
        ev.subtype ? K.el("span", { class: "muted", text: " · " + ev.subtype }) : null]),
      K.el("div", { class: "small muted", text: [when, ev.place].filter(Boolean).join(" · ") }),
      badges,
      ev.snippet ? K.el("blockquote", { class: "quote", text: ev.snippet }) : null,
      K.el("div", { class: "small" }, [
        K.el("a", { href: "/documents/" + encodeURIComponent(ev.doc_id), text: "Open the document" }),
        ev.incident_id ? " · " : null,
        ev.incident_id ? K.el("a", { href: "/incidents/" + encodeURIComponent(ev.incident_id),
          text: "incident" }) : null,
      ]),
    ]);
  }

  function draw(view) {
    if (layer) map.removeLayer(layer);
    if (view.mode === "clusters") {
      layer = L.layerGroup();
      view.clusters.forEach(function (c) {
        const m = L.marker([c.lat, c.lon], { icon: clusterIcon(c.n), title: c.n + " events" });
        m.on("click", function () {
          if (c.bounds && c.bounds.length === 4 && (c.bounds[0] !== c.bounds[2] || c.bounds[1] !== c.bounds[3])) {
            map.fitBounds([[c.bounds[0], c.bounds[1]], [c.bounds[2], c.bounds[3]]], { maxZoom: 16, padding: [30, 30] });
          } else {
            map.setView([c.lat, c.lon], Math.max(map.getZoom() + 2, 13));
          }
        });
        m.addTo(layer);
      });
    } else {
      layer = L.markerClusterGroup({ maxClusterRadius: 30, spiderfyOnMaxZoom: true, showCoverageOnHover: false });
      view.markers.forEach(function (ev) {
        if (ev.lat === null || ev.lon === null) return;
        const m = L.marker([ev.lat, ev.lon], { icon: eventIcon(ev), title: ev.type || "event" });
        m.bindPopup(function () { return popup(ev); }, { maxWidth: 360 });
        layer.addLayer(m);
      });
    }
    layer.addTo(map);
  }

  async function refresh() {
    const mine = ++seq;
    const p = params();
    p.set("bbox", bbox());
    p.set("zoom", String(map.getZoom()));
    const status = document.getElementById("map-status");
    try {
      const view = await K.api("GET", "/api/map?" + p.toString());
      if (mine !== seq) return; // a newer request is on its way
      draw(view);
      const shown = view.mode === "clusters" ? view.clusters.length + " clusters" : view.markers.length + " events";
      status.textContent = view.total + " events in view · " + shown;
      map.getContainer().dataset.mode = view.mode;
      map.getContainer().dataset.total = String(view.total);
    } catch (e) {
      status.textContent = "Could not load the map data: " + e.message;
    }
  }

  /* "#lat,lon,zoom" in the address: a view to share or bookmark. */
  function viewFromHash() {
    const m = /^#(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?),(\d{1,2})$/.exec(window.location.hash);
    if (m) map.setView([Number(m[1]), Number(m[2])], Number(m[3]));
  }

  function hashFromView() {
    const c = map.getCenter();
    history.replaceState(null, "", "#" + c.lat.toFixed(4) + "," + c.lng.toFixed(4) + "," + map.getZoom());
  }

  async function init() {
    map = await window.KMap.create("map");
    viewFromHash();
    const facets = await K.api("GET", "/api/map/facets");
    checks(document.getElementById("f-types"), "type", facets.types);
    checks(document.getElementById("f-evidence"), "evidence", facets.evidence);
    checks(document.getElementById("f-verification"), "verification", facets.verification,
      function (v) { return v.replace("_", " "); });
    if (facets.first_day) document.getElementById("f-since").placeholder = facets.first_day;
    document.getElementById("map-empty").hidden = facets.types.length > 0;
    const form = document.getElementById("map-filters");
    form.addEventListener("change", refresh);
    form.addEventListener("reset", function () { setTimeout(refresh, 0); });
    map.on("moveend", function () { hashFromView(); refresh(); });
    window.addEventListener("hashchange", viewFromHash);
    await refresh();
    document.body.dataset.mapReady = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    init().catch(function (e) { K.toast("The map failed to start: " + e.message, true); });
  });
})();
