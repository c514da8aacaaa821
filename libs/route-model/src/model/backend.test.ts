import { describe, expect, it } from "vitest";
import { parseBackend } from "./backend.js";

const valid = {
  id: "shop_web.instance-1._app.1:0",
  service: "/shop/web",
  address: "10.0.1.12:31005",
  labels: { "marathon.app": "/shop/web", tier: "web" },
  state: "up",
  source: "marathon",
  connectedAt: 1_614_592_805_900,
};

function invalid(field: string, value: unknown) {
  return expect.objectContaining({ name: "ValidationError", code: "SB_INVALID_FIELD", field, value });
}

describe("parseBackend", () => {
  it("returns a valid backend with its optional fields and drops unknown ones", () => {
    const input = {
      ...valid,
      load: 42.5,
      rps: 120,
      weight: 3,
      location: { latitude: 52.37, longitude: 4.89, cityName: "Amsterdam", countryCode: "NL" },
      extra: "dropped",
    };
    const { extra: _dropped, ...expected } = input;
    expect(parseBackend(input)).toEqual(expected);
  });

  it.each([
    "10.0.0.1:1",
    "example.com:65535",
    "[::1]:8080",
    "[fd00:10:0:1::2a]:9090",
    "agent-1.dc1.example.net:31001",
  ])("accepts the address %s", (address) => {
    expect(parseBackend({ ...valid, address }).address).toBe(address);
  });

  it.each<[string, unknown]>([
    ["address", "10.0.0.1"],
    ["address", "10.0.0.1:0"],
    ["address", "10.0.0.1:65536"],
    ["address", "10.0.0.1:80x"],
    ["address", "::1:8080"],
    ["address", ":8080"],
    ["address", "bad host:80"],
    ["address", 8080],
    ["id", ""],
    ["service", undefined],
    ["state", "gone"],
    ["source", "consul"],
    ["connectedAt", -1],
    ["connectedAt", "yesterday"],
    ["load", 101],
    ["load", -0.5],
    ["rps", -1],
    ["weight", 10001],
    ["labels", ["tier=web"]],
  ])("rejects %s %j, naming the field and the value", (field, value) => {
    expect(() => parseBackend({ ...valid, [field]: value })).toThrow(invalid(field, value));
  });

  it("names the label whose value is not a string", () => {
    expect(() => parseBackend({ ...valid, labels: { tier: 3 } })).toThrow(invalid("labels.tier", 3));
  });

  it("names the location field out of range", () => {
    expect(() => parseBackend({ ...valid, location: { latitude: 91 } })).toThrow(
      invalid("location.latitude", 91),
    );
  });

  it("prefixes the field with the path it is given", () => {
    expect(() => parseBackend({ ...valid, address: "x" }, "backends[3]")).toThrow(
      'backends[3].address "x" is not host:port (IPv6 hosts go in brackets: [::1]:8080)',
    );
  });

  it("rejects a value that is not an object", () => {
    expect(() => parseBackend("b1")).toThrow(invalid("(root)", "b1"));
  });
});
