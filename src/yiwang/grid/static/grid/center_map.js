// The grid center's map: boundaries shaded by today's patrol coverage, today's grid events,
// live positions of the grid workers (when the API sends them).
(function () {
  "use strict";
  const svg = document.getElementById("grid-map");
  if (!svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const rings = (g) => (g.type === "Polygon" ? g.coordinates : g.type === "MultiPolygon" ? g.coordinates.flat() : []);
  function draw(data) {
    svg.replaceChildren();
    if (!data.grids.length) return;
    let b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const g of data.grids) b = [Math.min(b[0], g.bbox[0]), Math.min(b[1], g.bbox[1]), Math.max(b[2], g.bbox[2]), Math.max(b[3], g.bbox[3])];
    const k = Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180);
    const W = 1000, H = 700;
    const s = Math.min((W - 20) / ((b[2] - b[0]) * k || 1e-4), (H - 20) / ((b[3] - b[1]) || 1e-4));
    const P = (lon, lat) => [10 + (lon - b[0]) * k * s, H - 10 - (lat - b[1]) * s];
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const add = (tag, attrs, title) => {
      const el = document.createElementNS(NS, tag);
      for (const [a, v] of Object.entries(attrs)) el.setAttribute(a, v);
      if (title) { const t = document.createElementNS(NS, "title"); t.textContent = title; el.append(t); }
      svg.append(el);
      return el;
    };
    for (const g of data.grids) {
      const d = rings(g.geometry).map((r) => "M" + r.map((c) => P(c[0], c[1]).map((n) => n.toFixed(1)).join(",")).join("L") + "Z").join("");
      const shade = 0.08 + 0.6 * g.coverage;
      add("path", { d, class: "g" + (g.kind === "special" ? " special" : ""), fill: `rgba(28,138,74,${shade.toFixed(2)})` }, `${g.name} ${Math.round(g.coverage * 100)}%`);
    }
    for (const e of data.events) {
      const [x, y] = P(e.lon, e.lat);
      add("circle", { cx: x, cy: y, r: 5, class: "ev" }, `${e.number} ${e.title}`);
    }
    for (const p of data.positions) {
      const [x, y] = P(p.lon, p.lat);
      add("circle", { cx: x, cy: y, r: 6, class: "pos", "data-worker": p.worker }, `${p.worker} ${new Date(p.at).toLocaleTimeString()}`);
    }
    document.getElementById("grid-map-legend").textContent =
      `${data.grids.length} · ${data.events.length} · ${data.positions.length}`;
  }
  function load() {
    fetch(svg.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => d && draw(d));
  }
  load();
  setInterval(load, 30000);
})();
