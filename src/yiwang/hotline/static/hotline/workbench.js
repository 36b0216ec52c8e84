// The call screen: tabs for the three outcomes, the request text copied into whichever form is
// sent, and live advice (routing, knowledge base, similar open orders) while the agent types.
(function () {
  "use strict";
  const text = document.getElementById("hw-text");
  if (!text) return;
  const messages = JSON.parse(document.getElementById("hw-messages").textContent);
  const forms = Array.from(document.querySelectorAll("form.hw-action"));
  const tabs = Array.from(document.querySelectorAll(".hw-tabs [data-tab]"));
  const byName = (name) => forms.find((f) => f.dataset.action === name);

  function show(name) {
    forms.forEach((f) => { f.hidden = f.dataset.action !== name; });
    tabs.forEach((t) => t.setAttribute("aria-selected", String(t.dataset.tab === name)));
  }
  tabs.forEach((t) => t.addEventListener("click", () => show(t.dataset.tab)));
  forms.forEach((f) => f.addEventListener("submit", () => {
    const hidden = f.querySelector(`input[name="${f.dataset.action}-text"]`);
    if (hidden) hidden.value = text.value;
  }));

  const field = (form, name) => form && form.querySelector(`[name="${form.dataset.action}-${name}"]`);
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v; else if (k === "html") node.innerHTML = v; else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  };
  const percent = (x) => `${Math.round((x || 0) * 100)}%`;

  function renderRouting(advice) {
    const box = document.getElementById("hw-routing");
    box.replaceChildren();
    if (!advice || !advice.suggestions || !advice.suggestions.length) {
      box.appendChild(el("p", { class: "yw-muted", text: "—" }));
      return;
    }
    const source = advice.source === "model" ? `${messages.model} ${advice.model_version || ""}` : messages.catalogue;
    box.appendChild(el("p", { class: "yw-muted hw-source", text: source }));
    const list = el("ol", { class: "hw-suggestions" });
    advice.suggestions.forEach((s, index) => {
      const use = el("button", { type: "button", class: "hw-use", text: messages.use });
      use.addEventListener("click", () => {
        const order = byName("order");
        const select = field(order, "category");
        if (select && s.category_code) select.value = s.category_code;
        const hidden = field(order, "suggestion");
        if (hidden) hidden.value = JSON.stringify({ ...advice, used: true, chosen: index });
        show("order");
      });
      list.appendChild(el("li", { "data-category": s.category_code || "" }, [
        el("strong", { text: `${s.category_name || s.category_code || "—"}` }),
        el("span", { text: ` → ${s.unit_name || "—"}` }),
        el("span", { class: "hw-bar", style: `--w:${percent(s.confidence)}`, title: `${messages.confidence} ${percent(s.confidence)}` }),
        el("span", { class: "hw-conf", text: percent(s.confidence) }),
        use,
      ]));
    });
    box.appendChild(list);
  }

  function renderKnowledge(hits) {
    const box = document.getElementById("hw-knowledge");
    box.replaceChildren();
    if (!hits.length) { box.appendChild(el("p", { class: "yw-muted", text: messages.none_kb })); return; }
    const list = el("ol", { class: "hw-kb" });
    hits.forEach((hit) => {
      const cite = el("button", { type: "button", class: "hw-cite", text: messages.cite });
      cite.addEventListener("click", () => {
        const answer = byName("answer");
        const reply = field(answer, "reply");
        const entries = field(answer, "entries");
        if (reply && !reply.value.trim()) reply.value = hit.answer;
        if (entries) {
          const ids = new Set(entries.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean));
          ids.add(String(hit.id));
          entries.value = Array.from(ids).join(",");
        }
        show("answer");
      });
      list.appendChild(el("li", { "data-entry": String(hit.id) }, [
        el("p", { class: "hw-kb-q", html: `#${hit.id} ${hit.question_html || hit.question}` }),
        el("p", { class: "hw-kb-a", html: hit.answer_html || hit.answer }),
        cite,
      ]));
    });
    box.appendChild(list);
  }

  function renderSimilar(rows) {
    const box = document.getElementById("hw-similar");
    box.replaceChildren();
    if (!rows.length) { box.appendChild(el("p", { class: "yw-muted", text: messages.none_similar })); return; }
    const list = el("ul", { class: "hw-similar" });
    rows.forEach((row) => list.appendChild(el("li", {}, [
      el("a", { href: `/console/orders/${row.number}/`, text: row.number }),
      el("span", { text: ` ${row.title} · ${row.received_at} · ${percent(row.score)}` }),
    ])));
    box.appendChild(list);
  }

  let timer = null;
  let latest = 0;
  async function refresh() {
    const value = text.value.trim();
    if (value.length < 4) return;
    const order = byName("order");
    const params = new URLSearchParams({ text: value, dialled: text.dataset.dialled || "" });
    const category = field(order, "category");
    const town = field(order, "town");
    if (category && category.value) params.set("category", category.value);
    if (town && town.value) params.set("town", town.value);
    const ticket = ++latest;
    const started = performance.now();
    try {
      const response = await fetch(`${text.dataset.adviceUrl}?${params}`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (ticket !== latest) return;  // a newer keystroke's answer is on its way
      renderRouting(data.routing);
      renderKnowledge(data.knowledge || []);
      renderSimilar(data.similar || []);
      document.getElementById("hw-timing").textContent = `${messages.took} ${Math.round(performance.now() - started)} ms`;
    } catch (error) {
      document.getElementById("hw-timing").textContent = messages.error;
    }
  }
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  if (text.value.trim()) refresh();
})();
