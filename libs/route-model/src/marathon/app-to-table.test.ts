import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { marathonAppsToSnapshot } from "./app-to-table.js";

const now = 1_700_000_000_000;

function appsOf(fixture: string): unknown[] {
  return JSON.parse(readFileSync(new URL(`./fixtures/${fixture}`, import.meta.url), "utf8")).apps;
}

const route = (appId: string, portIndex: number, weight = 100, strategy = "round-robin") => ({
  key: `marathon:${appId}:${portIndex}`,
  selector: `marathon.app=${appId},marathon.port-index=${portIndex}`,
  weight,
  strategy,
});

describe("marathonAppsToSnapshot with the current (>= 1.5) format", () => {
  const snapshot = marathonAppsToSnapshot(appsOf("apps-current.json"), { now });

  it("gives one endpoint per host and path, apps sharing one become routes of one endpoint", () => {
    expect(snapshot.endpoints).toEqual([
      {
        pattern: "api.example.com/orders",
        filters: [{ type: "redirect-https" }, { type: "strip-prefix", prefix: "/orders" }],
        routes: [route("/api/orders", 0)],
      },
      { pattern: "api.example.com/users", filters: [], routes: [route("/api/users", 0)] },
      { pattern: "example.com/site", filters: [], routes: [route("/www/site", 0)] },
      {
        pattern: "shop.example.com",
        filters: [],
        sticky: true,
        routes: [route("/shop/web-canary", 0, 10, "p2c"), route("/shop/web", 1, 90)], // sorted by key
      },
      { pattern: "www.example.com/site", filters: [], routes: [route("/www/site", 0)] },
    ]);
  });

  it("keeps only running tasks that pass every health check, at the address their networking gives", () => {
    expect(snapshot.backends.map((b) => [b.id, b.address])).toEqual([
      ["api_orders.instance-72e39195-7300-11eb-9f3e-0242ac110002._app.3:0", "10.0.2.22:31400"], // host
      ["api_users.instance-61d28084-7300-11eb-9f3e-0242ac110002._app.1:0", "9.0.1.5:8080"], // overlay
      ["shop_web-canary.instance-4fb05e62-7b2a-11eb-9f3e-0242ac110002._app.1:0", "10.0.1.12:31200"], // bridge
      ["shop_web.instance-0b7c1a2e-7a1f-11eb-9f3e-0242ac110002._app.1:1", "10.0.1.12:31005"], // port index 1
      ["www_site.instance-83f4a2a6-5300-11eb-9f3e-0242ac110002._app.1:0", "10.0.3.31:31500"],
    ]);
  });

  it("labels each backend with the app's labels plus marathon.app, marathon.version and marathon.port-index", () => {
    const web = snapshot.backends.find((b) => b.service === "/shop/web");
    expect(web).toEqual({
      id: "shop_web.instance-0b7c1a2e-7a1f-11eb-9f3e-0242ac110002._app.1:1",
      service: "/shop/web",
      address: "10.0.1.12:31005",
      labels: {
        "signalbox.host": "Shop.Example.com",
        "signalbox.path": "/",
        "signalbox.weight": "90",
        "signalbox.port-index": "1",
        "signalbox.sticky": "true",
        "signalbox.health.path": "/healthz",
        team: "shop",
        "marathon.app": "/shop/web",
        "marathon.version": "2021-03-01T10:00:00.000Z",
        "marathon.port-index": "1",
      },
      state: "up",
      source: "marathon",
      connectedAt: Date.parse("2021-03-01T10:00:05.900Z"),
    });
  });

  it("uses now as connectedAt when startedAt does not parse", () => {
    const orders = snapshot.backends.find((b) => b.service === "/api/orders");
    expect(orders?.connectedAt).toBe(now);
  });

  it("skips each bad app with a warning naming it and the label, and apps without routing labels silently", () => {
    expect(snapshot.warnings).toEqual([
      "apps[11]: is not an app object",
      "apps[12]: id (missing) is not a Marathon app id",
      'app /broken/filters: signalbox.filters "[{\\"type\\": \\"strip-prefix\\"" is not valid JSON',
      expect.stringMatching(
        /^app \/broken\/host: signalbox.host "bad host!.example.com" is not valid in an endpoint pattern/,
      ),
      `app /broken/port: signalbox.port-index "3": port index 3 is beyond the app's 1 port(s)`,
      'app /broken/weight: signalbox.weight "abc" is not an integer 0..10000',
    ]);
  });

  it("gives the same snapshot whatever the order of the apps", () => {
    const reversed = marathonAppsToSnapshot(appsOf("apps-current.json").reverse(), { now });
    expect(reversed.endpoints).toEqual(snapshot.endpoints);
    expect(reversed.backends).toEqual(snapshot.backends);
  });
});

describe("marathonAppsToSnapshot with the 1.3-1.4 format", () => {
  const snapshot = marathonAppsToSnapshot(appsOf("apps-1.4.json"), { now });

  it("reads ports, container.docker.portMappings and ipAddress", () => {
    expect(snapshot.warnings).toEqual([]);
    expect(snapshot.endpoints).toEqual([
      { pattern: "calico.example.com", filters: [], routes: [route("/legacy/calico", 0)] },
      { pattern: "legacy.example.com", filters: [], routes: [route("/legacy/web", 0)] },
      {
        pattern: "worker.example.com/jobs",
        filters: [],
        routes: [route("/legacy/user-net", 0, 100, "hash:header:X-Job-Id")],
      },
    ]);
    expect(snapshot.backends.map((b) => [b.id, b.address])).toEqual([
      ["legacy_calico.7ff9ab94-6771-11e5-9c16-0242ac110002:0", "[fd00:10:0:1::2a]:9090"], // IP per task, IPv6
      ["legacy_user-net.80aabca5-6771-11e5-9c16-0242ac110002:0", "192.168.50.7:7000"], // docker USER network
      ["legacy_web.5dd78972-6771-11e5-9c16-0242ac110002:0", "agent-1.dc1.example.net:31001"], // BRIDGE
      // legacy_web.6ee89a83 is running but has no health results yet (1.4 omits the empty array): left out
    ]);
  });
});

describe("marathonAppsToSnapshot edge cases", () => {
  const app = (id: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    id,
    labels,
    networks: [{ mode: "host" }],
    portDefinitions: [{ port: 10000, protocol: "tcp" }],
    version: "2021-03-01T10:00:00.000Z",
    tasks: [],
    ...extra,
  });
  const task = (id: string, fields: Record<string, unknown> = {}) => ({
    id,
    host: "10.0.0.1",
    ports: [31000],
    state: "TASK_RUNNING",
    startedAt: "2021-03-01T10:00:00.000Z",
    ...fields,
  });

  it("keeps the endpoint and route of an app with no running task (503, not 404)", () => {
    const { endpoints, backends } = marathonAppsToSnapshot(
      [app("/idle", { "signalbox.host": "idle.test" })],
      { now },
    );
    expect(endpoints).toEqual([{ pattern: "idle.test", filters: [], routes: [route("/idle", 0)] }]);
    expect(backends).toEqual([]);
  });

  it("keeps the endpoint settings of the app with the smallest id and warns about the other", () => {
    const apps = [
      app("/b", { "signalbox.host": "x.test", "signalbox.filters": '[{"type":"redirect-https"}]' }),
      app("/a", { "signalbox.host": "X.test", "signalbox.health.require": "true" }),
    ];
    const snapshot = marathonAppsToSnapshot(apps, { now });
    expect(snapshot.endpoints).toEqual([
      { pattern: "x.test", filters: [], healthRequire: true, routes: [route("/a", 0), route("/b", 0)] },
    ]);
    expect(snapshot.warnings).toEqual([
      "app /b: endpoint x.test keeps the filters, sticky and health.require of app /a; this app's differ",
    ]);
  });

  it.each([
    ['{"type":"request-headers","set":{"Connection":"close"}}', "signalbox.filters[0].set", "hop-by-hop"],
    [
      '{"type":"response-headers","set":{"x-a":"line\\u0001"}}',
      "signalbox.filters[0].set.x-a",
      "not a header value",
    ],
  ])("skips an app whose filter %s would fail every request, naming the field", (filter, field, reason) => {
    const snapshot = marathonAppsToSnapshot(
      [app("/bad", { "signalbox.host": "bad.test", "signalbox.filters": `[${filter}]` })],
      { now },
    );
    expect(snapshot.endpoints).toEqual([]);
    expect(snapshot.warnings).toEqual([expect.stringContaining(`app /bad: ${field} `)]);
    expect(snapshot.warnings[0]).toContain(reason);
  });

  it("overrides app labels that spoof marathon.* labels", () => {
    const apps = [
      app("/real", { "signalbox.host": "r.test", "marathon.app": "/other" }, { tasks: [task("t1")] }),
    ];
    expect(marathonAppsToSnapshot(apps, { now }).backends[0]?.labels["marathon.app"]).toBe("/real");
  });

  it("leaves out a task without a usable address, with a warning, and keeps the others", () => {
    const apps = [
      app(
        "/web",
        { "signalbox.host": "web.test" },
        { tasks: [task("t1"), task("t2", { ports: [] }), task("t3", { host: "bad host" }), null] },
      ),
    ];
    const snapshot = marathonAppsToSnapshot(apps, { now });
    expect(snapshot.backends.map((b) => b.id)).toEqual(["t1:0"]);
    expect(snapshot.warnings).toEqual([
      "app /web: task t2 has no address for port index 0; left out",
      expect.stringMatching(/^app \/web: task t3: address "bad host:31000" is not host:port/),
      "app /web: tasks[3] has no task id; left out",
    ]);
  });

  it("gives one backend per task and port index even when several vhosts use it", () => {
    const apps = [app("/lb", { HAPROXY_0_VHOST: "a.test,b.test" }, { tasks: [task("t1")] })];
    const snapshot = marathonAppsToSnapshot(apps, { now });
    expect(snapshot.endpoints.map((e) => e.pattern)).toEqual(["a.test", "b.test"]);
    expect(snapshot.backends.map((b) => b.id)).toEqual(["t1:0"]);
  });

  it("never throws on garbage, and warns once per bad app", () => {
    const garbage: unknown[] = [
      null,
      42,
      [],
      { id: 5 },
      { id: "/has space", labels: { "signalbox.host": "s.test" } },
      { id: "/labels-not-map", labels: "signalbox.host=x" },
      { id: "/label-not-string", labels: { "signalbox.host": 5 } },
      app("/tasks-not-list", { "signalbox.host": "t.test" }, { tasks: "many" }),
      app("/no-ports", { "signalbox.host": "p.test" }, { portDefinitions: [] }),
      app("/dup", { "signalbox.host": "d.test" }),
      app("/dup", { "signalbox.host": "d2.test" }),
    ];
    const snapshot = marathonAppsToSnapshot(garbage, { now });
    expect(snapshot.endpoints.map((e) => e.pattern)).toEqual(["d.test"]);
    expect(snapshot.warnings).toEqual([
      "apps[0]: is not an app object",
      "apps[1]: is not an app object",
      "apps[2]: is not an app object",
      "apps[3]: id 5 is not a Marathon app id",
      'apps[4]: id "/has space" is not a Marathon app id',
      "app /dup: listed twice; the first one is used",
      "app /label-not-string: labels.signalbox.host 5 is not a string",
      'app /labels-not-map: labels "signalbox.host=x" is not an object',
      "app /no-ports: signalbox.port-index: port index 0 is beyond the app's 0 port(s)",
      'app /tasks-not-list: tasks "many" is not an array',
    ]);
  });

  it("requires every health check result to be alive when the app has health checks", () => {
    const healthChecks = [{ protocol: "MESOS_HTTP", path: "/health", portIndex: 0 }];
    const alive = { alive: true, consecutiveFailures: 0 };
    const dead = { alive: false, consecutiveFailures: 3 };
    const tasks = [
      task("alive", { healthCheckResults: [alive, alive] }),
      task("one-dead", { healthCheckResults: [alive, dead] }),
      task("empty", { healthCheckResults: [] }),
      task("missing"),
      task("staging", { state: "TASK_STAGING", healthCheckResults: [alive] }),
      task("killing", { state: "TASK_KILLING", healthCheckResults: [alive] }),
    ];
    const apps = [app("/hc", { "signalbox.host": "hc.test" }, { healthChecks, tasks })];
    expect(marathonAppsToSnapshot(apps, { now }).backends.map((b) => b.id)).toEqual(["alive:0"]);
    const unchecked = [app("/nohc", { "signalbox.host": "nohc.test" }, { tasks })];
    expect(marathonAppsToSnapshot(unchecked, { now }).backends.map((b) => b.id)).toEqual([
      "alive:0",
      "empty:0",
      "missing:0",
      "one-dead:0",
    ]);
  });
});

describe("marathonAppsToSnapshot, tasks of one app", () => {
  const task = (id: string, version: string | undefined, port: number) => ({
    id,
    host: "10.0.0.1",
    ports: [port],
    state: "TASK_RUNNING",
    startedAt: "2021-03-01T10:00:05.900Z",
    ...(version !== undefined && { version }),
  });
  const app = (id: string, tasks: unknown[]) => ({
    id,
    version: "2021-01-01T00:00:00.000Z",
    labels: { "signalbox.host": `${id.slice(1)}.test` },
    portDefinitions: [{ port: 0 }],
    tasks,
  });

  it("labels each task with its own version, else the app's", () => {
    const { backends } = marathonAppsToSnapshot(
      [
        app("/a", [
          task("a.1", "2021-02-02T00:00:00.000Z", 1),
          task("a.2", undefined, 2),
          task("a.3", "2021-02-02T00:00:00.000Z", 3),
        ]),
      ],
      { now },
    );
    expect(backends.map((b) => [b.id, b.labels["marathon.version"]])).toEqual([
      ["a.1:0", "2021-02-02T00:00:00.000Z"],
      ["a.2:0", "2021-01-01T00:00:00.000Z"],
      ["a.3:0", "2021-02-02T00:00:00.000Z"],
    ]);
  });

  it("keeps one backend for a task id listed twice: the one listed last", () => {
    const { backends } = marathonAppsToSnapshot(
      [app("/a", [task("x.1", undefined, 1)]), app("/b", [task("x.1", undefined, 2)])],
      { now },
    );
    expect(backends.map((b) => [b.id, b.address, b.service])).toEqual([["x.1:0", "10.0.0.1:2", "/b"]]);
  });
});
