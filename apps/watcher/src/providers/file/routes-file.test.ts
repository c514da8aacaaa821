import { describe, expect, it } from "vitest";
import { parseRoutesFile } from "./routes-file.js";

const opts = { connectedAt: () => 42 };

const GOOD = `# routes for the shop
endpoints:
  - pattern: API.Example.com/v1/
    sticky: true
    filters:
      - type: strip-prefix
    routes:
      - selector: "app=api,track=stable"
        weight: 90
        name: stable
      - selector: "app=api,track=canary"
        weight: 10
        strategy: p2c
  - pattern: "*.example.com"
    routes:
      - id: route007
        selector: app=www
backends:
  - service: api
    address: 10.0.0.1:8080
    labels: { app: api, track: stable }
  - id: canary-1
    service: api
    address: "[::1]:8081"
    labels: { app: api, track: canary }
    state: draining
`;

describe("parseRoutesFile", () => {
  it("reads endpoints, routes with keys and defaults, and static backends", () => {
    const result = parseRoutesFile(GOOD, opts);
    if (!result.ok) throw new Error(result.reason);
    const [api, www] = result.endpoints;
    expect(api?.pattern).toBe("API.Example.com/v1/");
    expect(api?.sticky).toBe(true);
    expect(api?.filters).toEqual([{ type: "strip-prefix" }]);
    expect(api?.routes).toEqual([
      {
        key: "file:api.example.com/v1#stable",
        selector: "app=api,track=stable",
        weight: 90,
        strategy: "round-robin",
      },
      { key: "file:api.example.com/v1#1", selector: "app=api,track=canary", weight: 10, strategy: "p2c" },
    ]);
    expect(www?.routes).toEqual([
      {
        key: "file:*.example.com#0",
        id: "route007",
        selector: "app=www",
        weight: 100,
        strategy: "round-robin",
      },
    ]);
    expect(result.backends).toEqual([
      {
        id: "file:api@10.0.0.1:8080",
        service: "api",
        address: "10.0.0.1:8080",
        labels: { app: "api", track: "stable" },
        state: "up",
        source: "file",
        connectedAt: 42,
      },
      {
        id: "canary-1",
        service: "api",
        address: "[::1]:8081",
        labels: { app: "api", track: "canary" },
        state: "draining",
        source: "file",
        connectedAt: 42,
      },
    ]);
  });

  it("reads the same content written as JSON", () => {
    const json = JSON.stringify({
      endpoints: [{ pattern: "a.test", routes: [{ selector: "app=a" }] }],
      backends: [{ service: "a", address: "127.0.0.1:1", labels: { app: "a" } }],
    });
    const result = parseRoutesFile(json, opts);
    expect(result.ok && result.endpoints[0]?.routes[0]?.key).toBe("file:a.test#0");
  });

  it("treats an empty file as no routes", () => {
    expect(parseRoutesFile("", opts)).toEqual({ ok: true, endpoints: [], backends: [], certificates: [] });
  });

  it("reads certificates: paths as written, an optional id, one default", () => {
    const text =
      "certificates:\n  - { cert: a.pem, key: a.key, default: true }\n  - { id: b-1, cert: /etc/b.pem, key: /etc/b.key }\n";
    expect(parseRoutesFile(text, opts)).toMatchObject({
      ok: true,
      certificates: [
        { id: undefined, cert: "a.pem", key: "a.key", default: true },
        { id: "b-1", cert: "/etc/b.pem", key: "/etc/b.key", default: false },
      ],
    });
  });

  it.each([
    ["a YAML syntax error", "endpoints:\n  - pattern: a.test\n    routes: [\n", 4, /^Flow sequence .*\]$/],
    [
      "an unknown key",
      "endpoints:\n  - pattern: a.test\n    rootes: []\n",
      3,
      /endpoints\[0\]\.rootes is not a known key/,
    ],
    [
      "a bad selector",
      "endpoints:\n  - pattern: a.test\n    routes:\n      - selector: 'app in (a'\n",
      4,
      /endpoints\[0\]\.routes\[0\]\.selector/,
    ],
    [
      "a weight out of range",
      "endpoints:\n  - pattern: a.test\n    routes:\n      - selector: app=a\n        weight: 20000\n",
      5,
      /weight 20000/,
    ],
    ["a bad pattern", "endpoints:\n  - pattern: 'a b'\n", 2, /endpoints\[0\]\.pattern/],
    ["a missing pattern", "endpoints:\n  - routes: []\n", 2, /endpoints\[0\]\.pattern \(missing\)/],
    [
      "a repeated pattern",
      "endpoints:\n  - pattern: a.test\n  - pattern: A.test/\n",
      3,
      /pattern "A.test\/" repeats endpoints\[0\]/,
    ],
    [
      "a bad backend address",
      "backends:\n  - service: a\n    address: nowhere\n",
      3,
      /backends\[0\]\.address/,
    ],
    [
      "a repeated backend id",
      "backends:\n  - { id: b, service: a, address: '1.2.3.4:5' }\n  - { id: b, service: a, address: '1.2.3.4:6' }\n",
      3,
      /backend id "b" repeats backends\[0\]/,
    ],
    ["a list at the top", "- a\n- b\n", 1, /the file is not a mapping/],
    [
      "a certificate without a key",
      "certificates:\n  - { cert: a.pem }\n",
      2,
      /certificates\[0\]\.key is not a file path/,
    ],
    [
      "a bad certificate id",
      "certificates:\n  - { id: A/B, cert: a, key: b }\n",
      2,
      /certificates\[0\]\.id is not lower-case/,
    ],
    [
      "two default certificates",
      "certificates:\n  - { cert: a, key: b, default: true }\n  - { cert: c, key: d, default: true }\n",
      3,
      /certificates\[0\] is the default already/,
    ],
  ])("names the line and the reason for %s", (_name, text, line, reason) => {
    const result = parseRoutesFile(text, opts);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.line).toBe(line);
    expect(result.reason).toMatch(reason);
  });
});
