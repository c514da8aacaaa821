import { describe, expect, it } from "vitest";
import { ServiceTokenError, SubjectError } from "./errors.js";
import {
  backendKey,
  buckets,
  decodeServiceToken,
  encodeServiceToken,
  endpointKey,
  META_KEY,
  parseRouteKey,
  subjects,
} from "./subjects.js";

describe("encodeServiceToken / decodeServiceToken", () => {
  it.each([
    ["/shop/web", "%2Fshop%2Fweb"],
    ["plain-name_1", "plain-name_1"],
    ["a.b c", "a%2Eb%20c"],
    ["*>", "%2A%3E"],
    ["café", "caf%C3%A9"],
    ["%", "%25"],
  ])("%s <-> %s", (name, token) => {
    expect(encodeServiceToken(name)).toBe(token);
    expect(decodeServiceToken(token)).toBe(name);
  });

  it("round-trips every BMP character outside the surrogates and a few astral ones", () => {
    const names = ["\u{1F600}x", "\u0000", "a/b/c.d", "ÄÖÜ ß"];
    for (let code = 1; code < 0xd800; code += 97) names.push(String.fromCharCode(code));
    for (const name of names) {
      const token = encodeServiceToken(name);
      expect(token).toMatch(/^[A-Za-z0-9_%-]+$/);
      expect(decodeServiceToken(token)).toBe(name);
    }
  });

  it.each([
    ["%2f", 0, "uppercase hex"],
    ["ab%2", 2, "uppercase hex"],
    ["a.b", 1, "must be escaped"],
    ["%41", 0, "must not be escaped"],
    ["%FF", 0, "not valid UTF-8"],
    ["", 0, "empty"],
  ])("rejects %j at position %i (%s)", (token, position, reason) => {
    try {
      decodeServiceToken(token);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceTokenError);
      expect((error as ServiceTokenError).position).toBe(position);
      expect((error as ServiceTokenError).token).toBe(token);
      expect((error as ServiceTokenError).message).toContain(reason);
    }
  });

  it("refuses to encode an empty name", () => {
    expect(() => encodeServiceToken("")).toThrow(ServiceTokenError);
  });
});

describe("subjects", () => {
  it("spells the fixed subjects of the contract", () => {
    expect(subjects.routesUpdated).toBe("routes.updated");
    expect(subjects.healthAll).toBe("health.>");
    expect(subjects.agentRegister).toBe("agent.register");
    expect(subjects.agentDeregister).toBe("agent.deregister");
    expect(subjects.agentHeartbeatAll).toBe("agent.heartbeat.*");
    expect(subjects.routerStatsAll).toBe("stats.router.*");
    expect(subjects.apiAll).toBe("signalbox.api.>");
    expect(buckets).toEqual({
      routes: "signalbox-routes",
      config: "signalbox-config",
      certs: "signalbox-certs",
    });
  });

  it("puts an encoded name in exactly one token", () => {
    expect(subjects.health("/shop/web")).toBe("health.%2Fshop%2Fweb");
    expect(subjects.agentHeartbeat("web.1:0")).toBe("agent.heartbeat.web%2E1%3A0");
    expect(subjects.routerStats("router-a.local")).toBe("stats.router.router-a%2Elocal");
    expect(subjects.health("a.b").split(".")).toHaveLength(2);
  });

  it("builds API subjects from dotted lowercase ops and rejects others", () => {
    expect(subjects.api("route.add")).toBe("signalbox.api.route.add");
    expect(subjects.api("query")).toBe("signalbox.api.query");
    expect(() => subjects.api("route..add")).toThrow(SubjectError);
    expect(() => subjects.api("*")).toThrow(SubjectError);
  });
});

describe("routes bucket keys", () => {
  const kvKey = /^[-/_=.a-zA-Z0-9]+$/;

  it.each(["example.com", "*.example.com/api", "www.example.com/blog", "[::1]"])(
    "endpoint %s -> a valid KV key that parses back",
    (pattern) => {
      const key = endpointKey(pattern);
      expect(key).toMatch(kvKey);
      expect(key.startsWith("endpoint.")).toBe(true);
      expect(key.split(".")).toHaveLength(2);
      expect(parseRouteKey(key)).toEqual({ kind: "endpoint", pattern });
    },
  );

  it("escapes readably", () => {
    expect(endpointKey("www.example.com/blog")).toBe("endpoint.www=2Eexample=2Ecom=2Fblog");
    expect(backendKey("shop_web.7f3c:0")).toBe("backend.shop_web=2E7f3c=3A0");
  });

  it.each(["web.1:0", "/shop/web:task=1", "ünïcode id"])(
    "backend %s -> a valid KV key that parses back",
    (id) => {
      const key = backendKey(id);
      expect(key).toMatch(kvKey);
      expect(parseRouteKey(key)).toEqual({ kind: "backend", id });
    },
  );

  it("parses meta and ignores keys it never writes", () => {
    expect(parseRouteKey(META_KEY)).toEqual({ kind: "meta" });
    for (const key of ["other.x", "endpoint.", "backend", "endpoint.a=ZZ", "endpoint.a.b", "metadata"]) {
      expect(parseRouteKey(key)).toBeUndefined();
    }
  });
});
