// The dashboard on the watcher's admin listener: `/` the page (self-contained: no external
// asset), `/events` server-sent events carrying the FleetView, sent at once and again whenever it
// changed (checked every second), `/explain?url=` which endpoint, route and backends a URL gets.
// Read-only: nothing here changes state.

import type { IncomingMessage, ServerResponse } from "node:http";
import { compileTable, normalizeRequest, RequestError } from "@signalbox/route-model";
import { type AdminRoute, sendJson } from "@signalbox/service";
import type { TableSource } from "../api/op-context.js";
import { DASHBOARD_PAGE } from "./dashboard-page.js";
import { buildFleetView, type FleetViewSource } from "./fleet-view.js";

export interface DashboardDeps extends FleetViewSource {
  tables: TableSource;
  /** Period of the change check behind /events. */
  intervalMs?: number;
}

export function dashboardRoutes(deps: DashboardDeps): Record<string, AdminRoute> {
  return {
    "/": (_req, res) => {
      res
        .writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          // The page carries its script and style inline and talks to this origin only.
          "content-security-policy":
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        })
        .end(DASHBOARD_PAGE);
    },
    "/events": (req, res) => streamEvents(req, res, deps),
    "/explain": (_req, res, url) => explain(res, url, deps),
  };
}

function streamEvents(req: IncomingMessage, res: ServerResponse, deps: DashboardDeps): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-store",
    connection: "keep-alive",
  });
  let last = "";
  let ticks = 0;
  const send = async () => {
    const text = JSON.stringify(await buildFleetView(deps));
    ticks += 1;
    if (text !== last) {
      last = text;
      res.write(`data: ${text}\n\n`);
    } else if (ticks % 15 === 0) res.write(": keep-alive\n\n");
  };
  return new Promise((resolve) => {
    let busy = false;
    const tick = () => {
      if (busy) return;
      busy = true;
      send()
        .catch(() => res.destroy())
        .finally(() => {
          busy = false;
        });
    };
    const timer = setInterval(tick, deps.intervalMs ?? 1000);
    tick();
    req.socket.once("close", () => {
      clearInterval(timer);
      resolve();
    });
  });
}

function explain(res: ServerResponse, url: URL, deps: DashboardDeps): void {
  const target = URL.parse(url.searchParams.get("url") ?? "");
  if (target === null || (target.protocol !== "http:" && target.protocol !== "https:")) {
    sendJson(res, 400, { error: "url must be an absolute http(s) URL, such as http://shop.test/cart" });
    return;
  }
  const table = deps.tables.current();
  if (table === undefined) {
    sendJson(res, 503, { error: "the watcher has not built a route table yet" });
    return;
  }
  let request: ReturnType<typeof normalizeRequest>;
  try {
    request = normalizeRequest(`${target.pathname}${target.search}`, [target.host]);
  } catch (err) {
    if (!(err instanceof RequestError)) throw err;
    sendJson(res, 400, { error: err.message });
    return;
  }
  const endpoint = compileTable(table, { random: Math.random }).match(request.host.name, request.path);
  if (endpoint === undefined) {
    sendJson(res, 200, { url: target.href, endpoint: null, answer: "404 no-endpoint" });
    return;
  }
  sendJson(res, 200, {
    url: target.href,
    endpoint: endpoint.endpoint.pattern,
    routes: endpoint.routes.map(({ route, backends }) => ({
      id: route.id,
      weight: route.weight,
      selector: route.selector,
      strategy: route.strategy,
      backends: backends.map((b) => b.id),
    })),
  });
}
