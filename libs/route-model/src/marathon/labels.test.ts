import { describe, expect, it } from "vitest";
import { type RouteDefinition, routeDefinitionsFromLabels } from "./labels.js";

const defaults = {
  portIndex: 0,
  portIndexLabel: "signalbox.port-index",
  weight: 100,
  strategy: "round-robin",
  filters: [],
};

function routesOf(labels: Record<string, string>): RouteDefinition[] {
  const result = routeDefinitionsFromLabels("/shop/web", labels);
  if (!result.ok) throw new Error(result.warning);
  return result.routes;
}

describe("routeDefinitionsFromLabels: signalbox.*", () => {
  it("reads a host alone with every default", () => {
    expect(routesOf({ "signalbox.host": "Shop.Example.com" })).toEqual([
      { ...defaults, pattern: "shop.example.com" },
    ]);
  });

  it("reads every signalbox label", () => {
    const labels = {
      "signalbox.host": "*.shop.example.com",
      "signalbox.path": "/cart/",
      "signalbox.weight": "10",
      "signalbox.strategy": "hash:cookie:sid",
      "signalbox.filters":
        '[{"type":"strip-prefix","prefix":"/cart"},{"type":"rate-limit","ratePerSecond":5,"burst":10}]',
      "signalbox.sticky": "true",
      "signalbox.health.require": "false",
      "signalbox.tls": "true",
      "signalbox.health.path": "/healthz",
      "signalbox.port-index": "2",
    };
    expect(routesOf(labels)).toEqual([
      {
        pattern: "*.shop.example.com/cart",
        portIndex: 2,
        portIndexLabel: "signalbox.port-index",
        weight: 10,
        strategy: "hash:cookie:sid",
        filters: [
          { type: "strip-prefix", prefix: "/cart" },
          { type: "rate-limit", ratePerSecond: 5, burst: 10 },
        ],
        sticky: true,
        healthRequire: false,
        tls: true,
      },
    ]);
  });

  it("accepts weight 0 (a route that gets no traffic yet)", () => {
    expect(routesOf({ "signalbox.host": "a.test", "signalbox.weight": "0" })[0]?.weight).toBe(0);
  });

  it("reads signalbox.tls=acme as asking for TLS (ACME itself is not built yet)", () => {
    expect(routesOf({ "signalbox.host": "a.test", "signalbox.tls": "acme" })[0]?.tls).toBe(true);
    expect(routesOf({ "signalbox.host": "a.test", "signalbox.tls": "false" })[0]?.tls).toBe(false);
  });
});

describe("routeDefinitionsFromLabels: heimdall.* aliases", () => {
  it("strips the path by default, as heimdall does", () => {
    expect(routesOf({ "heimdall.host": "api.example.com", "heimdall.path": "/users/" })).toEqual([
      {
        ...defaults,
        pattern: "api.example.com/users",
        filters: [{ type: "strip-prefix", prefix: "/users" }],
      },
    ]);
  });

  it("adds no strip-prefix for the path /", () => {
    expect(routesOf({ "heimdall.host": "api.example.com", "heimdall.path": "/" })).toEqual([
      { ...defaults, pattern: "api.example.com" },
    ]);
  });

  it.each<[string, Record<string, string>, boolean]>([
    ["heimdall.options", { "heimdall.options": '{"strip_path": false}' }, false],
    ["heimdall.opts", { "heimdall.opts": '{"strip_path": false}' }, false],
    [
      "options over opts",
      { "heimdall.options": '{"strip_path": true}', "heimdall.opts": '{"strip_path": false}' },
      true,
    ],
    [
      "options over opts (other way)",
      { "heimdall.options": '{"strip_path": "false"}', "heimdall.opts": "{}" },
      false,
    ],
    ["options without strip_path", { "heimdall.options": '{"forward_url": "http://lb:8081/x"}' }, true],
    [
      "the heimdall.strip_path label",
      { "heimdall.strip_path": "false", "heimdall.options": '{"strip_path": true}' },
      false,
    ],
  ])("reads strip_path from %s", (_what, extra, strips) => {
    const [route] = routesOf({ "heimdall.host": "api.example.com", "heimdall.path": "/v1", ...extra });
    expect(route?.filters).toEqual(strips ? [{ type: "strip-prefix", prefix: "/v1" }] : []);
  });

  it("reads heimdall.filters as filter objects or names of filters without parameters, strip-prefix last", () => {
    const [route] = routesOf({
      "heimdall.host": "api.example.com",
      "heimdall.path": "/v1",
      "heimdall.filters": '["redirect-https", {"type": "response-headers", "remove": ["server"]}]',
      "signalbox.weight": "25",
    });
    expect(route).toEqual({
      ...defaults,
      pattern: "api.example.com/v1",
      weight: 25,
      filters: [
        { type: "redirect-https" },
        { type: "response-headers", remove: ["server"] },
        { type: "strip-prefix", prefix: "/v1" },
      ],
    });
  });
});

describe("routeDefinitionsFromLabels: marathon-lb HAPROXY_{n}_*", () => {
  it("gives one route per vhost, for port index n, with HAPROXY_n_PATH", () => {
    const routes = routesOf({
      HAPROXY_GROUP: "external",
      HAPROXY_0_VHOST: "www.example.com, Example.com,www.example.com",
      HAPROXY_0_PATH: "/site",
      HAPROXY_1_VHOST: "admin.example.com",
      "signalbox.strategy": "least-load",
    });
    expect(routes).toEqual([
      {
        ...defaults,
        strategy: "least-load",
        portIndexLabel: "HAPROXY_0_VHOST",
        pattern: "www.example.com/site",
      },
      { ...defaults, strategy: "least-load", portIndexLabel: "HAPROXY_0_VHOST", pattern: "example.com/site" },
      {
        ...defaults,
        strategy: "least-load",
        portIndexLabel: "HAPROXY_1_VHOST",
        pattern: "admin.example.com",
        portIndex: 1,
      },
    ]);
  });
});

describe("routeDefinitionsFromLabels: precedence and absence", () => {
  const all = {
    "signalbox.host": "sb.example.com",
    "heimdall.host": "hd.example.com",
    "heimdall.path": "/",
    HAPROXY_0_VHOST: "lb.example.com",
  };

  it("prefers signalbox.* over heimdall.* over HAPROXY_*", () => {
    expect(routesOf(all).map((r) => r.pattern)).toEqual(["sb.example.com"]);
    const { "signalbox.host": _sb, ...noSignalbox } = all;
    expect(routesOf(noSignalbox).map((r) => r.pattern)).toEqual(["hd.example.com"]);
  });

  it("ignores a broken label of a scheme that lost", () => {
    expect(routesOf({ ...all, "heimdall.filters": "[oops" }).map((r) => r.pattern)).toEqual([
      "sb.example.com",
    ]);
  });

  it.each<Record<string, string>>([
    {},
    { team: "infra" },
    { HAPROXY_0_PATH: "/metrics", HAPROXY_GROUP: "internal" },
  ])("gives no routes for %j", (labels) => {
    expect(routeDefinitionsFromLabels("/infra/x", labels)).toEqual({ ok: true, routes: [] });
  });
});

describe("routeDefinitionsFromLabels: invalid labels", () => {
  it.each<[Record<string, string>, string]>([
    [
      { "signalbox.host": "a.test", "signalbox.weight": "abc" },
      'signalbox.weight "abc" is not an integer 0..10000',
    ],
    [
      { "signalbox.host": "a.test", "signalbox.weight": "10001" },
      'signalbox.weight "10001" is not an integer',
    ],
    [{ "signalbox.host": "a.test", "signalbox.weight": "-1" }, 'signalbox.weight "-1" is not an integer'],
    [{ "signalbox.host": "a.test", "signalbox.weight": "2.5" }, 'signalbox.weight "2.5" is not an integer'],
    [
      { "signalbox.host": "a.test", "signalbox.strategy": "fastest" },
      'signalbox.strategy "fastest" is not a strategy',
    ],
    [{ "signalbox.host": "a.test", "signalbox.filters": '[{"type":' }, "signalbox.filters"],
    [{ "signalbox.host": "a.test", "signalbox.filters": '{"type":"redirect-https"}' }, "is not a JSON array"],
    [
      {
        "signalbox.host": "a.test",
        "signalbox.filters": '[{"type":"rate-limit","ratePerSecond":0,"burst":1}]',
      },
      "signalbox.filters[0].ratePerSecond 0 is not greater than 0",
    ],
    [
      { "signalbox.host": "a.test", "signalbox.sticky": "yes" },
      'signalbox.sticky "yes" is not true or false',
    ],
    [{ "signalbox.host": "a.test", "signalbox.health.require": "1" }, "signalbox.health.require"],
    [{ "signalbox.host": "a.test", "signalbox.tls": "yes" }, "signalbox.tls"],
    [{ "signalbox.host": "a.test", "signalbox.tls": "ACME!" }, "signalbox.tls"],
    [{ "signalbox.host": "a.test", "signalbox.health.path": "healthz" }, 'signalbox.health.path "healthz"'],
    [{ "signalbox.host": "a.test", "signalbox.port-index": "first" }, 'signalbox.port-index "first"'],
    [{ "signalbox.host": "a.test,b.test" }, 'signalbox.host "a.test,b.test" names more than one host'],
    [
      { "signalbox.host": "bad host!.test" },
      'signalbox.host "bad host!.test" is not valid in an endpoint pattern',
    ],
    [{ "signalbox.host": "" }, 'signalbox.host "" is not a host name'],
    [{ "signalbox.host": "a.test/blog" }, 'signalbox.host "a.test/blog" is not a host name'],
    [
      { "signalbox.host": "a.test", "signalbox.path": "blog" },
      'signalbox.path "blog" is not a path starting with /',
    ],
    [{ "signalbox.host": "a.test", "signalbox.path": "/a//b" }, 'signalbox.path "/a//b" is not valid'],
    [{ "signalbox.weight": "50" }, "signalbox.host (missing) is required when signalbox.weight is set"],
    [{ "heimdall.host": "api.test" }, "heimdall.path (missing) is required"],
    [{ "heimdall.path": "/v1" }, "heimdall.host (missing) is required"],
    [
      { "heimdall.host": "api.test", "heimdall.path": "/", "heimdall.options": "[]" },
      'heimdall.options "[]" is not a JSON object',
    ],
    [{ "heimdall.host": "api.test", "heimdall.path": "/", "heimdall.opts": "{nope" }, "heimdall.opts"],
    [
      { "heimdall.host": "api.test", "heimdall.path": "/", "heimdall.options": '{"strip_path": 1}' },
      "heimdall.options.strip_path 1 is not true or false",
    ],
    [
      { "heimdall.host": "api.test", "heimdall.path": "/", "heimdall.filters": '["Plugs.Auth"]' },
      'heimdall.filters[0].type "Plugs.Auth" is not a filter type',
    ],
    [{ HAPROXY_0_VHOST: " , " }, 'HAPROXY_0_VHOST " , " names no host'],
    [{ HAPROXY_0_VHOST: "a.test", HAPROXY_0_PATH: "-i /a /b" }, 'HAPROXY_0_PATH "-i /a /b" is not a path'],
    [{ HAPROXY_0_VHOST: "a.test,b_c.test" }, 'HAPROXY_0_VHOST "b_c.test"'],
  ])("rejects %j with a warning naming the app and the label", (labels, expected) => {
    const result = routeDefinitionsFromLabels("/shop", labels);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.warning).toMatch(/^app \/shop: /);
    expect(result.warning).toContain(expected);
  });

  it("words the weight warning exactly", () => {
    expect(
      routeDefinitionsFromLabels("/shop", { "signalbox.host": "a.test", "signalbox.weight": "abc" }),
    ).toEqual({
      ok: false,
      warning: 'app /shop: signalbox.weight "abc" is not an integer 0..10000',
    });
  });
});
