// The rota page: follow a planning job, and draw the routes on a map that works offline.
(function () {
  "use strict";

  // --- planning progress -------------------------------------------------------------
  var box = document.getElementById("planning");
  var unknown = 0;
  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (res) { return res.json(); })
      .then(function (s) {
        document.getElementById("planning-progress").value = s.progress || 0;
        var shown = s.state === "started" ? Math.round((s.progress || 0) * 100) + "%" : s.state;
        document.getElementById("planning-text").textContent = s.note ? s.note + " " + shown : shown;
        if (s.state === "finished") {
          // Show the new plan, saying it is the one just made (the page reads ?planned=).
          var url = new URL(window.location.href);
          url.searchParams.set("planned", s.plan_id);
          window.location.replace(url.toString());
        }
        else if (s.state === "failed") {
          document.getElementById("planning-text").textContent = s.error || "Planning failed.";
        } else if (s.state === "none" && ++unknown >= 3) {
          // Another web process is planning it (Redis down, several workers): show what is saved.
          window.location.reload();
        } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box && !box.hidden) { poll(); }
  var planForm = document.getElementById("plan-form");
  if (planForm) {
    planForm.addEventListener("submit", function () {
      var b = document.getElementById("plan-button");
      b.disabled = true;
      b.textContent = "Planning…";
      if (box) { box.hidden = false; }
    });
  }

  // --- map ---------------------------------------------------------------------------
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var all = [];
  data.routes.forEach(function (r) { r.points.forEach(function (p) { all.push(p); }); });
  data.unserved.forEach(function (u) { all.push([u[0], u[1]]); });
  if (!all.length) { el.hidden = true; window.rotaReadyAt = performance.now(); return; }

  // Names come from data: they reach the page only as text nodes, never as HTML (issue 11:
  // a surname of <img src=x onerror=...> ran in every staff member's browser).
  function text(s) {
    var span = document.createElement("span");
    span.textContent = s;
    return span;
  }

  // Leaflet's layer control writes each name with innerHTML; this one writes text, with a
  // colour swatch set through the CSSOM (no style="" for the Content-Security-Policy).
  var TextLayers = window.L && L.Control && L.Control.Layers ? L.Control.Layers.extend({
    _addItem: function (obj) {
      var label = L.Control.Layers.prototype._addItem.call(this, { layer: obj.layer, name: "", overlay: obj.overlay });
      var holder = label.firstChild;
      var nameEl = holder.lastChild;
      nameEl.textContent = " ";
      var entry = this.options.labels[obj.name] || { text: obj.name };
      if (entry.colour) {
        var swatch = document.createElement("span");
        swatch.className = "layer-swatch";
        swatch.setAttribute("aria-hidden", "true");
        swatch.style.color = entry.colour;
        swatch.textContent = "■";
        nameEl.appendChild(swatch);
        nameEl.appendChild(document.createTextNode(" "));
      }
      nameEl.appendChild(document.createTextNode(entry.text));
      return label;
    }
  }) : null;

  function leafletMap() {
    var map = L.map(el, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
    var tiles = el.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: "© OpenStreetMap contributors" }).addTo(map);
    } else {
      el.classList.add("plain");
    }
    var layers = {};
    var labels = {};
    data.routes.forEach(function (r, n) {
      var g = L.layerGroup();
      L.polyline(r.points, { color: r.colour, weight: 3, opacity: 0.85 }).bindTooltip(text(r.driver), { sticky: true }).addTo(g);
      var stops = r.points.slice(1, -1);
      stops.forEach(function (p, i) {
        var s = r.stops[i] || ["", "", ""];
        L.circleMarker(p, { radius: 5, color: "#000", weight: 1, fillColor: r.colour, fillOpacity: 1 })
          .bindTooltip(text((i + 1) + ". " + s[1] + " " + (s[0] === "p" ? "pick up " : "drop off ") + s[2] + " (" + r.driver + ")"))
          .addTo(g);
      });
      L.circleMarker(r.points[0], { radius: 6, color: r.colour, weight: 3, fillColor: "#fff", fillOpacity: 1 })
        .bindTooltip(text(r.driver + ": home")).addTo(g);
      g.addTo(map);
      // Keys are opaque (two drivers may share a name); the label is looked up as text.
      layers["route-" + n] = g;
      labels["route-" + n] = { text: r.driver, colour: r.colour };
    });
    if (data.unserved.length) {
      var u = L.layerGroup();
      data.unserved.forEach(function (x) {
        L.circleMarker([x[0], x[1]], { radius: 8, color: "#b00020", weight: 3, fill: false })
          .bindTooltip(text("Unserved: " + x[2] + ". " + x[3])).addTo(u);
      });
      u.addTo(map);
      layers.unserved = u;
      labels.unserved = { text: "Unserved pickups" };
    }
    if (data.routes.length > 1) { new TextLayers(null, layers, { collapsed: true, labels: labels }).addTo(map); }
    L.control.scale({ imperial: true }).addTo(map);
    window.rotaMap = map;  // for the browser tests (open every tooltip)
    var bounds = L.latLngBounds(all);
    map.fitBounds(bounds, { padding: [16, 16] });
    // A tablet turned on its side: keep every route in view.
    var resizeTimer = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { map.invalidateSize(); map.fitBounds(bounds, { padding: [16, 16] }); }, 200);
    });
  }

  function svgMap() {
    // No Leaflet (npm install not run): draw the same shapes as plain SVG.
    var ns = "http://www.w3.org/2000/svg";
    var w = el.clientWidth || 800, h = el.clientHeight || 480, pad = 16;
    var lat0 = all.reduce(function (a, p) { return a + p[0]; }, 0) / all.length;
    var k = Math.cos(lat0 * Math.PI / 180);
    var xs = all.map(function (p) { return p[1] * k; }), ys = all.map(function (p) { return p[0]; });
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    var s = Math.min((w - 2 * pad) / Math.max(maxX - minX, 1e-4), (h - 2 * pad) / Math.max(maxY - minY, 1e-4));
    function xy(p) { return [pad + (p[1] * k - minX) * s, h - pad - (p[0] - minY) * s]; }
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    data.routes.forEach(function (r) {
      var line = document.createElementNS(ns, "polyline");
      line.setAttribute("points", r.points.map(function (p) { return xy(p).join(","); }).join(" "));
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", r.colour);
      line.setAttribute("stroke-width", "2.5");
      svg.appendChild(line);
    });
    data.unserved.forEach(function (x) {
      var c = document.createElementNS(ns, "circle"), q = xy(x);
      c.setAttribute("cx", q[0]); c.setAttribute("cy", q[1]); c.setAttribute("r", 6);
      c.setAttribute("fill", "none"); c.setAttribute("stroke", "#b00020"); c.setAttribute("stroke-width", 3);
      svg.appendChild(c);
    });
    el.classList.add("plain");
    el.appendChild(svg);
  }

  if (window.L && L.map) { leafletMap(); } else { svgMap(); }
  // When the page became usable (benchmarks/web_load.py reads it).
  window.rotaReadyAt = performance.now();
})();
// Each route's stops load when its "Stops" box is opened (keeps the page small with 40 routes).
(function () {
  "use strict";
  document.querySelectorAll("details.stops-box[data-src]").forEach(function (box) {
    box.addEventListener("toggle", function () {
      if (!box.open || box.getAttribute("data-loaded")) { return; }
      box.setAttribute("data-loaded", "1");
      fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
        .then(function (res) { if (!res.ok) { throw new Error(res.status); } return res.text(); })
        .then(function (html) {
          // Our own server-rendered fragment (every name escaped by Jinja), not data.
          var holder = document.createElement("div");
          holder.innerHTML = html;
          if (window.applyDataStyles) { window.applyDataStyles(holder); }
          var link = box.querySelector("p");
          if (link) { link.remove(); }
          box.appendChild(holder);
        })
        .catch(function () { box.removeAttribute("data-loaded"); });
    });
  });
})();
