// The dashboard page: one self-contained HTML document (inline style and script, no external
// asset, works offline). It opens /events and redraws on every FleetView; every value from the
// table is set as text (textContent), never as markup: backend ids and labels come from strangers.

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signalbox</title>
<style>
  :root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f4f6f9; }
  body { margin: 0; }
  header { background: #1d2330; color: #fff; padding: 10px 16px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  .fleet { display: flex; gap: 6px; flex-wrap: wrap; }
  .chip { background: #2e3648; border-radius: 4px; padding: 3px 8px; font-size: 12px; }
  .chip.bad { background: #9b2c2c; }
  main { padding: 12px 16px; display: grid; gap: 12px; }
  section { background: #fff; border-radius: 6px; padding: 10px 14px; box-shadow: 0 1px 2px #0001; }
  h2 { font-size: 14px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e6e9ef; font-size: 13px; }
  th { color: #5b6475; font-weight: 600; }
  .verdict { font-weight: 700; border-radius: 3px; padding: 1px 6px; font-size: 12px; }
  .SERVING { background: #d8f3dc; color: #1b5e20; }
  .NOT_SERVING, .DOWN { background: #fde2e2; color: #9b2c2c; }
  .UNKNOWN, .SERVICE_UNKNOWN, .DRAINING { background: #fff3cd; color: #7a5b00; }
  .warn { color: #9b2c2c; }
  .muted { color: #5b6475; }
  form { display: flex; gap: 8px; }
  input { flex: 1; padding: 4px 6px; }
  pre { background: #f4f6f9; padding: 6px; margin: 6px 0 0; white-space: pre-wrap; }
</style>
</head>
<body>
<header><h1>Signalbox</h1><span id="fleet" class="fleet"></span><span id="status" class="chip">connecting</span></header>
<main>
  <section><h2>Endpoints</h2><div id="endpoints" class="muted">waiting for the watcher</div></section>
  <section><h2>Backends</h2><div id="backends"></div></section>
  <section><h2>Table warnings</h2><div id="warnings" class="muted">none</div></section>
  <section><h2>Explain a URL</h2>
    <form id="explain"><input id="explain-url" placeholder="http://demo.localhost/path"><button>Explain</button></form>
    <pre id="explain-out" class="muted"></pre>
  </section>
</main>
<script>
"use strict";
function el(tag, attrs, children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const child of children || []) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function table(headers, rows) {
  return el("table", {}, [el("tr", {}, headers.map((h) => el("th", {}, [h]))), ...rows]);
}
function ago(ms) { return ms < 1000 ? "now" : Math.round(ms / 1000) + " s ago"; }
function verdictOf(b) { return b.state !== "up" ? b.state.toUpperCase() : b.health; }
function verdict(b) { const v = verdictOf(b); return el("span", { class: "verdict " + v }, [v]); }
function render(view) {
  const t = view.table;
  const byId = new Map(t.backends.map((b) => [b.id, b]));
  const chips = [
    el("span", { class: "chip" }, ["table v" + t.version]),
    el("span", { class: "chip", "data-watcher": view.watcher.id }, ["watcher " + view.watcher.id + (view.watcher.leader ? " (leader)" : " (standby)")]),
  ];
  if (view.marathonStreamAgeSeconds !== null) {
    const age = view.marathonStreamAgeSeconds;
    chips.push(el("span", { class: "chip" + (age > 30 ? " bad" : "") }, ["Marathon stream " + Math.round(age) + " s"]));
  }
  for (const r of view.routers) chips.push(el("span", { class: "chip" + (r.lastReportAgoMs > 5000 ? " bad" : ""), "data-router": r.routerId }, ["router " + r.routerId + ": " + ago(r.lastReportAgoMs) + ", " + r.inFlight + " in flight"]));
  if (view.routers.length === 0) chips.push(el("span", { class: "chip bad" }, ["no router reporting"]));
  for (const h of view.health) chips.push(el("span", { class: "chip" + (h.lastReportAgoMs > 15000 ? " bad" : "") }, ["health " + h.service + ": " + ago(h.lastReportAgoMs)]));
  if (view.health.length === 0) chips.push(el("span", { class: "chip bad" }, ["no health service reporting"]));
  document.getElementById("fleet").replaceChildren(...chips);

  const endpoints = t.endpoints.map((e) => el("div", { "data-endpoint": e.pattern }, [
    el("h2", {}, [e.pattern]),
    table(["route", "weight", "selector", "strategy", "backends"], e.routes.map((r) => el("tr", { "data-route": e.pattern + "#" + r.id }, [
      el("td", {}, [r.id]),
      el("td", { class: "weight" }, [String(r.weight)]),
      el("td", {}, [r.selector || "(all)"]),
      el("td", {}, [r.strategy]),
      el("td", {}, r.backends.length === 0 ? [el("span", { class: "warn" }, ["none"])] : r.backends.flatMap((id) => { const b = byId.get(id); return [id + " ", b ? verdict(b) : "", " "]; })),
    ]))),
  ]));
  document.getElementById("endpoints").replaceChildren(...(endpoints.length ? endpoints : ["no endpoint"]));

  document.getElementById("backends").replaceChildren(table(
    ["backend", "service", "address", "verdict", "sources", "requests/s", "load"],
    t.backends.map((b) => el("tr", { "data-backend": b.id }, [
      el("td", {}, [b.id]), el("td", {}, [b.service]), el("td", {}, [b.address]),
      el("td", { class: "verdict-cell" }, [verdict(b)]),
      el("td", { class: "muted" }, ["source " + b.source + " (" + b.state + "), probe " + b.health]),
      el("td", {}, [b.rps === undefined ? "-" : String(b.rps)]),
      el("td", {}, [b.load === undefined ? "-" : String(b.load)]),
    ])),
  ));
  document.getElementById("warnings").replaceChildren(...(t.warnings.length ? t.warnings.map((w) => el("div", { class: "warn" }, [w])) : ["none"]));
}
const status = document.getElementById("status");
const events = new EventSource("events");
events.onmessage = (e) => { status.textContent = "live"; status.className = "chip"; render(JSON.parse(e.data)); };
events.onerror = () => { status.textContent = "reconnecting"; status.className = "chip bad"; };
document.getElementById("explain").addEventListener("submit", async (e) => {
  e.preventDefault();
  const url = document.getElementById("explain-url").value;
  const res = await fetch("explain?url=" + encodeURIComponent(url));
  document.getElementById("explain-out").textContent = JSON.stringify(await res.json(), null, 2);
});
</script>
</body>
</html>
`;
