/* Khronika map base shared by the Map and Gazetteer pages: a Leaflet map on the configured tile server,
   or, offline, the bundled outlines (country, Almaty districts) with place labels from the gazetteer.
   Labels and popups are DOM nodes built with K.el (textContent): place names can be hostile text. */
(function () {
  "use strict";
  const K = window.Khronika;

  function labelIcon(name, kind) {
    const node = K.el("span", { class: "map-label map-label-" + kind, text: name });
    return L.divIcon({ className: "map-label-icon", html: node, iconSize: null });
  }

  function addOutlines(map, urls) {
    const style = function (feature) {
      const district = feature.properties && feature.properties.kind === "district";
      return district
        ? { color: "#7c8ba1", weight: 1.2, fillColor: "#eef2f7", fillOpacity: 0.55, dashArray: "4 3" }
        : { color: "#5b6b82", weight: 1.6, fillColor: "#f7f4ec", fillOpacity: 1 };
    };
    const districtNames = L.layerGroup();
    urls.forEach(function (url) {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        // Own panes, country under districts, whichever file arrives first.
        const pane = /districts/.test(url) ? "basemap-districts" : "basemap-country";
        const layer = L.geoJSON(data, { style: style, interactive: false, pane: pane });
        layer.addTo(map);
        layer.eachLayer(function (f) {
          const props = f.feature.properties || {};
          if (props.kind === "district") {
            L.marker(f.getBounds().getCenter(), { icon: labelIcon(props.name, "district"), interactive: false,
              keyboard: false, pane: "labels" }).addTo(districtNames);
          }
        });
      }).catch(function () { K.toast("The offline basemap did not load", true); });
    });
    return districtNames;
  }

  function addLabels(map, labels, districtNames, offline) {
    const cities = L.layerGroup();
    const local = L.layerGroup();
    labels.forEach(function (p) {
      const kind = p.kind === "city" ? "city" : "local";
      // Almaty's districts are labelled from their outlines; their gazetteer rows would say it twice.
      if (offline && kind === "local" && p.precision === "district" && / District$/.test(p.name)) return;
      const m = L.marker([p.lat, p.lon], { icon: labelIcon(p.name, kind), interactive: false, keyboard: false,
        pane: "labels" });
      m.addTo(kind === "city" ? cities : local);
    });
    function byZoom() {
      const z = map.getZoom();
      toggle(cities, z <= 10);
      toggle(districtNames, z >= 11 && z <= 13);
      toggle(local, z >= 13);
    }
    function toggle(layer, on) {
      if (on && !map.hasLayer(layer)) layer.addTo(map);
      if (!on && map.hasLayer(layer)) map.removeLayer(layer);
    }
    map.on("zoomend", byZoom);
    byZoom();
  }

  /* create(id) -> Promise<L.Map>: the map with its basemap, centred on the shipped region. */
  async function create(elementId) {
    const cfg = await K.api("GET", "/api/map/basemap");
    const map = L.map(elementId, { zoomControl: true, preferCanvas: false, minZoom: 3, maxZoom: 18 });
    map.setView(cfg.center, cfg.zoom);
    // Labels sit between the outlines and the markers: a cluster's count is never hidden by a name.
    map.createPane("labels").style.zIndex = "450";
    map.createPane("basemap-country").style.zIndex = "210";
    map.createPane("basemap-districts").style.zIndex = "220";
    let districtNames = L.layerGroup();
    if (cfg.tile_url) {
      L.tileLayer(cfg.tile_url, { maxZoom: 19, attribution: "tiles: configured server" }).addTo(map);
    } else {
      map.getContainer().classList.add("offline-basemap");
      districtNames = addOutlines(map, cfg.layers);
      map.attributionControl.addAttribution("offline basemap (simplified outlines)");
    }
    addLabels(map, cfg.labels || [], districtNames, !cfg.tile_url);
    return map;
  }

  window.KMap = { create: create };
})();
