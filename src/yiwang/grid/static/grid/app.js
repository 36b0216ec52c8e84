// The grid worker's app: today's map and patrol, reports (kept as drafts in IndexedDB until
// the server has them; the device's idempotency key makes a resend harmless), tasks, registers.
(function () {
  "use strict";
  const root = document.getElementById("yg");
  if (!root) return;
  const API = root.dataset.api;
  const LOGIN = root.dataset.login;
  const MAX_BYTES = parseInt(root.dataset.maxBytes || "10485760", 10);
  const T = JSON.parse(document.getElementById("yg-i18n").textContent);
  const $ = (id) => document.getElementById(id);
  const fmt = (s, v) => s.replace(/%\((\w+)\)s/g, (_m, k) => (v[k] === undefined ? "" : v[k])).replace(/%%/g, "%");
  let state = { grids: [], pois: [], tasks: [], orders: [], patrols: [], categories: { common: [], all: [] }, interval_seconds: 30 };
  let here = null; // [lon, lat]

  // --- messages ---------------------------------------------------------------------------
  function banner(text, kind, link) {
    const el = $("yg-banner");
    el.textContent = text;
    el.className = "yg-banner yg-banner-" + (kind || "info");
    if (link) {
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.className = "yg-btn yg-btn-small";
      el.append(" ", a);
    }
    el.hidden = false;
  }
  function sessionExpired() {
    banner(T.session, "error", { href: LOGIN, text: T.sign_in });
  }

  // --- API --------------------------------------------------------------------------------
  function csrf() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  class Offline extends Error {}
  class Expired extends Error {}
  class Refused extends Error {
    constructor(body, status) {
      super((body && body.error && body.error.message) || String(status));
      this.body = body;
      this.status = status;
    }
  }
  async function call(path, opts) {
    opts = opts || {};
    const headers = Object.assign({ "X-CSRFToken": csrf(), Accept: "application/json" }, opts.headers || {});
    let body = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    let r;
    try {
      r = await fetch(API + path, { method: opts.method || "GET", headers, body, credentials: "same-origin" });
    } catch (e) {
      throw new Offline(String(e));
    }
    if (r.status === 401) throw new Expired();
    if (r.status === 403) {
      // A refusal, or a session that is gone (then the CSRF check fails first): ask.
      const probe = await fetch(API + "me", { credentials: "same-origin" }).catch(() => null);
      if (probe && probe.status === 401) throw new Expired();
    }
    const data = await r.json().catch(() => null);
    if (!r.ok) throw new Refused(data, r.status);
    return data;
  }

  // --- drafts in IndexedDB ---------------------------------------------------------------
  function db() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("yiwang-grid", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("drafts", { keyPath: "key" });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function store(mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const tx = d.transaction("drafts", mode);
      const req = fn(tx.objectStore("drafts"));
      tx.oncomplete = () => resolve(req && req.result);
      tx.onerror = () => reject(tx.error);
    });
  }
  const putDraft = (draft) => store("readwrite", (s) => s.put(draft));
  const dropDraft = (key) => store("readwrite", (s) => s.delete(key));
  const allDrafts = () => store("readonly", (s) => s.getAll());

  function newKey() {
    const rnd = crypto.getRandomValues(new Uint32Array(4));
    return "yg-" + Date.now().toString(36) + "-" + Array.from(rnd, (n) => n.toString(36)).join("");
  }

  async function sendDraft(draft) {
    const form = new FormData();
    for (const [k, v] of Object.entries(draft.fields)) form.append(k, v);
    for (const p of draft.photos) form.append("photos", new File([p.blob], p.name, { type: p.type }));
    const out = await call("reports", { method: "POST", body: form, headers: { "Idempotency-Key": draft.key } });
    // No order number in the answer (a proxy's page, a cut answer): keep the draft and resend.
    if (!out || !out.number) throw new Offline("no answer");
    await dropDraft(draft.key);
    return out;
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      const drafts = (await allDrafts()).sort((a, b) => a.created - b.created);
      for (const d of drafts) {
        try {
          const out = await sendDraft(d);
          banner(fmt(T.resent, out), "ok");
        } catch (e) {
          if (e instanceof Offline) break;
          if (e instanceof Expired) { sessionExpired(); break; }
          if (e instanceof Refused) {
            // The server will never take this draft as it is: say why and keep it visible.
            d.error = e.message;
            await putDraft(d);
          }
        }
      }
    } finally {
      flushing = false;
      renderDrafts();
    }
    load();
  }
  window.addEventListener("online", flush);
  // Some phones miss the "online" event: try the drafts again every 20 s while any wait.
  setInterval(() => { allDrafts().then((d) => { if (d.length && navigator.onLine) flush(); }).catch(() => {}); }, 20000);

  async function renderDrafts() {
    const list = $("yg-drafts");
    const drafts = await allDrafts().catch(() => []);
    list.replaceChildren();
    for (const d of drafts) {
      const li = document.createElement("li");
      li.textContent = fmt(T.draft, { time: new Date(d.created).toLocaleTimeString() }) + " · " + d.fields.description.slice(0, 30);
      if (d.error) {
        const p = document.createElement("p");
        p.className = "yg-error";
        p.textContent = d.error;
        li.append(p);
      }
      list.append(li);
    }
    if (!drafts.length) list.append(empty());
  }

  // --- the day ----------------------------------------------------------------------------
  async function load() {
    try {
      state = await call("me");
      localStorage.setItem("yg-me", JSON.stringify(state));
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
      const cached = localStorage.getItem("yg-me");
      if (cached) state = JSON.parse(cached);
    }
    render();
  }

  function empty() {
    const li = document.createElement("li");
    li.className = "yg-muted";
    li.textContent = T.none;
    return li;
  }

  function render() {
    $("yg-grids").textContent = fmt(T.my_grids, { names: state.grids.map((g) => g.name).join("、") });
    drawMap();
    renderCategories();
    renderOrders();
    renderTasks();
    renderPatrol();
    renderDrafts();
  }

  function renderCategories() {
    const chips = $("yg-common");
    const select = $("yg-category");
    if (select.options.length) return;
    chips.replaceChildren();
    const blank = new Option("—", "");
    select.append(blank);
    for (const c of state.categories.common) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "yg-chip";
      b.textContent = c.name;
      b.dataset.code = c.code;
      b.addEventListener("click", () => {
        chips.querySelectorAll(".yg-chip").forEach((x) => x.setAttribute("aria-pressed", "false"));
        b.setAttribute("aria-pressed", "true");
        select.value = c.code;
      });
      chips.append(b);
      select.append(new Option(c.name, c.code));
    }
    for (const c of state.categories.all) select.append(new Option(c.name, c.code));
    select.addEventListener("change", () => chips.querySelectorAll(".yg-chip").forEach((x) => x.setAttribute("aria-pressed", String(x.dataset.code === select.value))));
  }

  function renderOrders() {
    const list = $("yg-orders");
    list.replaceChildren();
    for (const o of state.orders) {
      const li = document.createElement("li");
      li.innerHTML = "<strong></strong> <span class=yg-tag></span><br><span class=yg-muted></span>";
      li.querySelector("strong").textContent = o.number;
      li.querySelector(".yg-tag").textContent = o.state_label;
      li.querySelector(".yg-muted").textContent = o.title;
      if (o.self_handle) {
        const row = document.createElement("div");
        row.className = "yg-row";
        row.append(button(T.self_handle, () => ask(T.self_title, true, async (note, photos) => {
          const form = new FormData();
          form.append("note", note);
          for (const f of photos) form.append("photos", f);
          const out = await call("orders/" + o.number + "/self-handle", { method: "POST", body: form });
          banner(out.state === "closed" ? T.saved : T.closed_pending, "ok");
        })));
        row.append(button(T.escalate, () => ask(T.escalate_title, false, async (reason) => {
          await call("orders/" + o.number + "/escalate", { method: "POST", json: { reason } });
          banner(T.sent_up, "ok");
        })));
        li.append(row);
      }
      list.append(li);
    }
    if (!state.orders.length) list.append(empty());
  }

  function button(text, onclick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "yg-btn yg-btn-small";
    b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  function renderTasks() {
    const list = $("yg-tasks");
    list.replaceChildren();
    $("yg-task-count").textContent = state.tasks.length ? String(state.tasks.length) : "";
    for (const t of state.tasks) {
      const li = document.createElement("li");
      li.innerHTML = "<span class=yg-tag></span> <strong></strong><br><span class=yg-muted></span>";
      li.querySelector(".yg-tag").textContent = t.kind_label;
      li.querySelector("strong").textContent = t.title + (t.order ? " · " + t.order : "");
      li.querySelector(".yg-muted").textContent = t.overdue ? T.overdue : fmt(T.due, { time: new Date(t.due_at).toLocaleString() });
      if (t.overdue) li.classList.add("yg-overdue");
      li.append(button(T.done, () => ask(T.task_title, false, async (result) => {
        await call("tasks/" + t.id + "/done", { method: "POST", json: { result } });
        banner(T.saved, "ok");
      })));
      list.append(li);
    }
    if (!state.tasks.length) list.append(empty());
  }

  // --- a small dialog for notes (and after-photos) ---------------------------------------
  function ask(title, withPhotos, submit) {
    const dialog = $("yg-dialog");
    $("yg-dialog-title").textContent = title;
    $("yg-dialog-label").textContent = title;
    $("yg-dialog-note").value = "";
    $("yg-dialog-photos").value = "";
    $("yg-dialog-error").textContent = "";
    $("yg-dialog-photo-wrap").hidden = !withPhotos;
    const ok = $("yg-dialog-ok");
    const handler = async (ev) => {
      ev.preventDefault();
      const note = $("yg-dialog-note").value.trim();
      const photos = Array.from($("yg-dialog-photos").files);
      if (!note) { $("yg-dialog-error").textContent = T.need_note; return; }
      if (withPhotos && !photos.length) { $("yg-dialog-error").textContent = T.need_photo; return; }
      const bad = checkPhotos(photos);
      if (bad) { $("yg-dialog-error").textContent = bad; return; }
      try {
        await submit(note, photos);
        dialog.close();
        ok.removeEventListener("click", handler);
        load();
      } catch (e) {
        if (e instanceof Expired) { dialog.close(); sessionExpired(); return; }
        $("yg-dialog-error").textContent = e instanceof Offline ? T.offline_saved : e.message;
      }
    };
    ok.addEventListener("click", handler);
    $("yg-dialog-cancel").onclick = () => { ok.removeEventListener("click", handler); dialog.close(); };
    dialog.showModal();
  }

  function checkPhotos(files) {
    for (const f of files) {
      if (!/^image\/(jpeg|png|gif|webp)$/.test(f.type)) return fmt(T.not_image, { name: f.name });
      if (f.size > MAX_BYTES) return fmt(T.too_large, { name: f.name, mb: (MAX_BYTES / 1048576).toFixed(0) });
    }
    return "";
  }

  // --- the map (SVG) ----------------------------------------------------------------------
  function rings(geometry) {
    if (!geometry) return [];
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return geometry.coordinates.flat();
    return [];
  }
  function extent() {
    let b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const g of state.grids) b = [Math.min(b[0], g.bbox[0]), Math.min(b[1], g.bbox[1]), Math.max(b[2], g.bbox[2]), Math.max(b[3], g.bbox[3])];
    return b;
  }
  function drawMap() {
    const svg = $("yg-map");
    svg.replaceChildren();
    if (!state.grids.length) return;
    const [x0, y0, x1, y1] = extent();
    const k = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
    const w = (x1 - x0) * k || 1e-4, h = (y1 - y0) || 1e-4;
    const W = 340, H = Math.max(160, Math.min(300, (W * h) / w));
    const s = Math.min((W - 10) / w, (H - 10) / h);
    const P = (lon, lat) => [5 + (lon - x0) * k * s, H - 5 - (lat - y0) * s];
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const NS = "http://www.w3.org/2000/svg";
    const add = (tag, attrs, text) => {
      const el = document.createElementNS(NS, tag);
      for (const [a, v] of Object.entries(attrs)) el.setAttribute(a, v);
      if (text) el.textContent = text;
      svg.append(el);
      return el;
    };
    for (const g of state.grids) {
      const d = rings(g.geometry).map((r) => "M" + r.map((c) => P(c[0], c[1]).map((n) => n.toFixed(1)).join(",")).join("L") + "Z").join("");
      add("path", { d, class: "yg-grid-shape" + (g.kind === "special" ? " yg-special" : "") }).append(Object.assign(document.createElementNS(NS, "title"), { textContent: g.name }));
      const [cx, cy] = P((g.bbox[0] + g.bbox[2]) / 2, (g.bbox[1] + g.bbox[3]) / 2);
      add("text", { x: cx, y: cy, class: "yg-grid-label", "text-anchor": "middle" }, g.name);
    }
    for (const p of state.pois) {
      const [x, y] = P(p.lon, p.lat);
      add("circle", { cx: x, cy: y, r: 3, class: "yg-poi yg-poi-" + p.kind }).append(Object.assign(document.createElementNS(NS, "title"), { textContent: p.name }));
    }
    if (track.length > 1) {
      add("polyline", { points: track.map((t) => P(t.lon, t.lat).join(",")).join(" "), class: "yg-track" });
    }
    if (here) {
      const [x, y] = P(here[0], here[1]);
      add("circle", { cx: x, cy: y, r: 6, class: "yg-here" });
    }
  }

  // --- location ---------------------------------------------------------------------------
  function inside(lon, lat, ring) {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }
  function gridAt(lon, lat) {
    return state.grids.find((g) => {
      const rs = rings(g.geometry);
      return g.geometry.type === "Polygon" ? inside(lon, lat, rs[0]) : rs.some((r) => inside(lon, lat, r));
    });
  }
  function position() {
    return new Promise((resolve, reject) => {
      if (!navigator.geolocation) return reject(new Error("no geolocation"));
      navigator.geolocation.getCurrentPosition(
        (p) => resolve({ lon: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy, at: new Date(p.timestamp || Date.now()).toISOString() }),
        reject,
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 10000 }
      );
    });
  }
  async function locate() {
    try {
      const p = await position();
      here = [p.lon, p.lat];
      $("yg-lon").value = p.lon.toFixed(6);
      $("yg-lat").value = p.lat.toFixed(6);
      const g = gridAt(p.lon, p.lat);
      const v = { lon: p.lon.toFixed(5), lat: p.lat.toFixed(5), grid: g ? g.name : "" };
      $("yg-loc-text").textContent = g ? fmt(T.located, v) : fmt(T.outside, v);
      $("yg-outside").hidden = !!g;
      drawMap();
    } catch (e) {
      $("yg-loc-text").textContent = T.no_location;
    }
  }
  $("yg-locate").addEventListener("click", locate);

  // --- the report form --------------------------------------------------------------------
  const form = $("yg-report");
  const photosInput = $("yg-photos");
  photosInput.addEventListener("change", () => {
    const box = $("yg-previews");
    box.replaceChildren();
    const bad = checkPhotos(Array.from(photosInput.files));
    showError("photos", bad);
    for (const f of photosInput.files) {
      if (!f.type.startsWith("image/")) continue;
      const img = document.createElement("img");
      img.alt = f.name;
      const reader = new FileReader();
      reader.onload = () => (img.src = reader.result);
      reader.readAsDataURL(f);
      box.append(img);
    }
  });
  form.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", () => {
    $("yg-reason-wrap").hidden = form.mode.value !== "escalate";
  }));
  function showError(field, text) {
    const el = form.querySelector(`.yg-error[data-for="${field}"]`) || form.querySelector('.yg-error[data-for="lon"]');
    if (el) el.textContent = text || "";
  }
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    form.querySelectorAll(".yg-error").forEach((e) => (e.textContent = ""));
    const f = new FormData(form);
    const fields = {
      category: f.get("category") || "",
      description: (f.get("description") || "").trim(),
      lon: f.get("lon") || "",
      lat: f.get("lat") || "",
      priority: f.get("priority"),
      mode: f.get("mode"),
      reason: f.get("mode") === "escalate" ? (f.get("reason") || "").trim() : "",
      outside_reason: (f.get("outside_reason") || "").trim(),
    };
    const files = Array.from(photosInput.files);
    let bad = false;
    if (!fields.category) { showError("category", T.need_category); bad = true; }
    if (!fields.description) { showError("description", T.need_description); bad = true; }
    if (fields.mode === "escalate" && !fields.reason) { showError("reason", T.need_reason); bad = true; }
    if (!fields.lon) { showError("lon", T.no_location); bad = true; }
    const photoProblem = checkPhotos(files);
    if (photoProblem) { showError("photos", photoProblem); bad = true; }
    if (bad) return;
    const draft = {
      key: newKey(),
      created: Date.now(),
      fields,
      photos: await Promise.all(files.map(async (x) => ({ name: x.name, type: x.type, blob: new Blob([await x.arrayBuffer()], { type: x.type }) }))),
    };
    await putDraft(draft);
    try {
      const out = await sendDraft(draft);
      banner(fmt(T.sent, out), "ok");
      form.reset();
      $("yg-previews").replaceChildren();
      $("yg-reason-wrap").hidden = false;
      load();
    } catch (e) {
      if (e instanceof Offline) {
        banner(T.offline_saved, "warn");
        form.reset();
        $("yg-previews").replaceChildren();
      } else if (e instanceof Expired) {
        sessionExpired();
      } else {
        await dropDraft(draft.key);
        const field = (e.body && e.body.error && e.body.error.details && e.body.error.details.field) || "";
        const name = field.replace(/\[\d+\]$/, "");
        if (name === "outside_reason") $("yg-outside").hidden = false;
        showError(name || "lon", e.message);
        banner(fmt(T.error, { message: e.message }), "error");
      }
    }
    renderDrafts();
  });

  // --- patrol -----------------------------------------------------------------------------
  let patrol = null;
  let timer = null;
  let buffer = JSON.parse(localStorage.getItem("yg-track-buffer") || "[]");
  let track = [];
  function keepBuffer() { localStorage.setItem("yg-track-buffer", JSON.stringify(buffer)); }
  // Positions are taken every interval and uploaded four at a time (and at start and stop),
  // so ten thousand phones make a request every two minutes each, not every 30 s.
  const UPLOAD_EVERY = 4;
  async function sample(force) {
    try {
      const p = await position();
      here = [p.lon, p.lat];
      buffer.push(p);
      track.push(p);
      keepBuffer();
    } catch (e) { /* no fix this time: the next interval tries again */ }
    if (force === true || buffer.length >= UPLOAD_EVERY) await sendTrack();
    drawMap();
  }
  async function sendTrack() {
    if (!patrol || !buffer.length) return;
    const batch = buffer.slice(0, 200);
    try {
      patrol = await call("patrols/" + patrol.id + "/track", { method: "POST", json: { points: batch } });
      buffer = buffer.slice(batch.length);
      keepBuffer();
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
      // offline: the positions stay in the buffer and go with the next batch
    }
    renderPatrol();
  }
  function renderPatrol() {
    const running = patrol && !patrol.ended_at ? patrol : (state.patrols || []).find((p) => !p.ended_at);
    if (running && !patrol) patrol = running;
    const status = $("yg-patrol-status");
    $("yg-patrol-start").hidden = !!running;
    $("yg-patrol-stop").hidden = !running;
    if (running) {
      const g = state.grids.find((x) => x.id === running.grid);
      status.textContent = fmt(T.patrolling, {
        grid: g ? g.name : "",
        time: new Date(running.started_at).toLocaleTimeString(),
        points: running.points,
        km: (running.distance_m / 1000).toFixed(2),
        cov: (running.coverage * 100).toFixed(1),
      });
      if (!timer) {
        timer = setInterval(sample, (state.interval_seconds || 30) * 1000);
      }
    } else {
      status.textContent = T.not_patrolling;
    }
    renderLog(state.patrols || []);
  }
  function renderLog(patrols) {
    const log = $("yg-patrol-log");
    log.replaceChildren();
    for (const p of patrols) {
      const li = document.createElement("li");
      li.textContent = fmt(T.patrol_log, {
        start: new Date(p.started_at).toLocaleTimeString(),
        end: p.ended_at ? new Date(p.ended_at).toLocaleTimeString() : T.running,
        points: p.points,
        km: (p.distance_m / 1000).toFixed(2),
        cov: (p.coverage * 100).toFixed(1),
      });
      log.append(li);
    }
  }
  // The patrol log of another day.
  $("yg-patrol-day").addEventListener("change", async (ev) => {
    const day = ev.target.value;
    try {
      renderLog(day ? await call("patrols?day=" + encodeURIComponent(day)) : state.patrols || []);
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
    }
  });
  $("yg-patrol-start").addEventListener("click", async () => {
    try {
      const g = here && gridAt(here[0], here[1]);
      patrol = await call("patrols", { method: "POST", json: { grid: g ? g.id : null } });
      track = [];
      renderPatrol();
      await sample(true);
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
      else banner(fmt(T.error, { message: e.message }), "error");
    }
  });
  $("yg-patrol-stop").addEventListener("click", async () => {
    if (!patrol) return;
    clearInterval(timer);
    timer = null;
    await sample(true);
    try {
      await call("patrols/" + patrol.id + "/stop", { method: "POST" });
      patrol = null;
      load();
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
      else banner(fmt(T.error, { message: e.message }), "error");
    }
  });

  // --- registers ---------------------------------------------------------------------------
  async function loadRegister() {
    const list = $("yg-register");
    list.replaceChildren();
    let rows = [];
    try { rows = await call("registers"); } catch (e) { if (e instanceof Expired) sessionExpired(); }
    for (const r of rows) {
      const li = document.createElement("li");
      li.innerHTML = "<span class=yg-tag></span> <strong></strong> <span class=yg-muted></span>";
      li.querySelector(".yg-tag").textContent = r.kind_label;
      li.querySelector("strong").textContent = r.name;
      li.querySelector(".yg-muted").textContent = [r.address, r.phone, r.visit_due ? T.visit_due : ""].filter(Boolean).join(" · ");
      if (r.visit_every_days) {
        li.append(button(T.visit, () => ask(T.visit_title, false, async (note) => {
          await call("registers/" + r.id + "/visits", { method: "POST", json: { note } });
          banner(T.saved, "ok");
          loadRegister();
        })));
      }
      list.append(li);
    }
    if (!rows.length) list.append(empty());
  }
  $("yg-entry").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const grid = here && gridAt(here[0], here[1]);
    const body = {
      grid: (grid || state.grids[0] || {}).id,
      kind: f.get("kind"),
      name: (f.get("name") || "").trim(),
      address: f.get("address") || "",
      phone: f.get("phone") || "",
      visit_every_days: parseInt(f.get("visit_every_days") || "0", 10),
    };
    const err = ev.target.querySelector(".yg-error");
    err.textContent = "";
    try {
      await call("registers", { method: "POST", json: body });
      ev.target.reset();
      banner(T.saved, "ok");
      loadRegister();
    } catch (e) {
      if (e instanceof Expired) sessionExpired();
      else err.textContent = e.message;
    }
  });

  // --- tabs --------------------------------------------------------------------------------
  document.querySelectorAll(".yg-tabs button").forEach((b) => b.addEventListener("click", () => {
    document.querySelectorAll(".yg-tabs button").forEach((x) => x.removeAttribute("aria-current"));
    b.setAttribute("aria-current", "page");
    document.querySelectorAll(".yg-tab").forEach((t) => (t.hidden = t.id !== "tab-" + b.dataset.tab));
    if (b.dataset.tab === "registers") loadRegister();
    if (b.dataset.tab === "report") locate();
  }));

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).catch(() => {});
  }
  load().then(() => { locate(); if (navigator.onLine) flush(); });
})();
